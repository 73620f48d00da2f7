package io.github.mobilenetj.dnnl;

/**
 * Run in a separate JVM by {@link WrongLibraryTest}, with {@code -Dmobilenetj.dnnl.library} set:
 * asks for oneDNN's version twice and then for an engine, and prints one line per attempt,
 * {@code RESULT ok <version>} or {@code RESULT <exception class> <message on one line>}. Whatever
 * happens, each attempt is reported, so the test sees whether a failure leaves classes broken.
 */
public final class WrongLibraryChild {
    private WrongLibraryChild() {
    }

    public static void main(String[] args) {
        for (int attempt = 0; attempt < 3; attempt++) {
            try {
                String what;
                if (attempt < 2) {
                    what = Dnnl.version().toString();
                } else {
                    try (Engine engine = Engine.cpu()) {
                        what = "engine " + engine;
                    }
                }
                System.out.println("RESULT ok " + what);
            } catch (Throwable t) {
                String message = String.valueOf(t.getMessage()).replace('\n', ' ').replace('\r', ' ');
                System.out.println("RESULT " + t.getClass().getName() + " " + message);
            }
        }
    }
}
