package io.github.mobilenetj.server.load;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * A minimal HTTP/1.1 client for the load generator: persistent loopback connections in a pool,
 * blocking I/O meant for virtual threads, no redirects, no chunked requests. It costs far less
 * CPU per request than a general client, which matters when the load generator shares the cores
 * with the server it measures.
 */
final class MiniHttp implements AutoCloseable {

    /** A response: status and body. */
    record Response(int status, byte[] body) {
    }

    private final String host;
    private final int port;
    private final int timeoutMillis;
    private final ConcurrentLinkedDeque<Connection> idle = new ConcurrentLinkedDeque<>();

    MiniHttp(String host, int port, int timeoutMillis) {
        this.host = host;
        this.port = port;
        this.timeoutMillis = timeoutMillis;
    }

    /** The request line and headers of a POST with a body of {@code length} bytes. */
    byte[] postHead(String path, String contentType, int length, String... extraHeaders) {
        StringBuilder sb = new StringBuilder();
        sb.append("POST ").append(path).append(" HTTP/1.1\r\nHost: ").append(host).append(':').append(port)
                .append("\r\nContent-Type: ").append(contentType).append("\r\nContent-Length: ").append(length).append("\r\n");
        for (String h : extraHeaders) {
            sb.append(h).append("\r\n");
        }
        return sb.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII);
    }

    byte[] getHead(String path) {
        return ("GET " + path + " HTTP/1.1\r\nHost: " + host + ":" + port + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** Sends {@code head} then {@code body} and reads the response, on a pooled or new connection. */
    Response exchange(byte[] head, byte[] body) throws IOException {
        Connection c = idle.pollFirst();
        boolean reused = c != null;
        if (c == null) {
            c = new Connection();
        }
        try {
            Response r = c.exchange(head, body);
            if (c.keepAlive) {
                idle.addFirst(c);
            } else {
                c.close();
            }
            return r;
        } catch (IOException e) {
            c.close();
            if (reused) {
                // The server may have closed an idle connection: one retry on a fresh one.
                Connection fresh = new Connection();
                try {
                    Response r = fresh.exchange(head, body);
                    if (fresh.keepAlive) {
                        idle.addFirst(fresh);
                    } else {
                        fresh.close();
                    }
                    return r;
                } catch (IOException again) {
                    fresh.close();
                    throw again;
                }
            }
            throw e;
        }
    }

    @Override
    public void close() {
        Connection c;
        while ((c = idle.pollFirst()) != null) {
            c.close();
        }
    }

    private final class Connection {
        final Socket socket;
        final InputStream in;
        final OutputStream out;
        boolean keepAlive = true;

        Connection() throws IOException {
            socket = new Socket();
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(host, port), timeoutMillis);
            socket.setSoTimeout(timeoutMillis);
            in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
            out = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
        }

        Response exchange(byte[] head, byte[] body) throws IOException {
            out.write(head);
            if (body != null) {
                out.write(body);
            }
            out.flush();
            String status = line();
            if (status == null || !status.startsWith("HTTP/1.")) {
                throw new IOException("bad status line: " + status);
            }
            int code = Integer.parseInt(status.substring(9, 12));
            long length = -1;
            boolean chunked = false;
            keepAlive = true;
            String line;
            while ((line = line()) != null && !line.isEmpty()) {
                int colon = line.indexOf(':');
                if (colon < 0) {
                    continue;
                }
                String name = line.substring(0, colon).trim();
                String value = line.substring(colon + 1).trim();
                if (name.equalsIgnoreCase("Content-Length")) {
                    length = Long.parseLong(value);
                } else if (name.equalsIgnoreCase("Transfer-Encoding") && value.equalsIgnoreCase("chunked")) {
                    chunked = true;
                } else if (name.equalsIgnoreCase("Connection") && value.equalsIgnoreCase("close")) {
                    keepAlive = false;
                }
            }
            byte[] responseBody;
            if (chunked) {
                java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
                while (true) {
                    String size = line();
                    int n = Integer.parseInt(size.trim().split(";")[0], 16);
                    if (n == 0) {
                        line();
                        break;
                    }
                    buf.write(in.readNBytes(n));
                    line();
                }
                responseBody = buf.toByteArray();
            } else if (length >= 0) {
                responseBody = in.readNBytes((int) length);
                if (responseBody.length != length) {
                    throw new IOException("response body ended early");
                }
            } else {
                responseBody = in.readAllBytes();
                keepAlive = false;
            }
            return new Response(code, responseBody);
        }

        private String line() throws IOException {
            StringBuilder sb = new StringBuilder(64);
            int b;
            while ((b = in.read()) >= 0) {
                if (b == '\n') {
                    int n = sb.length();
                    if (n > 0 && sb.charAt(n - 1) == '\r') {
                        sb.setLength(n - 1);
                    }
                    return sb.toString();
                }
                sb.append((char) b);
            }
            if (sb.isEmpty()) {
                throw new IOException("connection closed by the server");
            }
            return sb.toString();
        }

        void close() {
            try {
                socket.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }
}
