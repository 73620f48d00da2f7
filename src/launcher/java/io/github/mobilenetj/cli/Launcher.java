package io.github.mobilenetj.cli;

import java.lang.reflect.InvocationTargetException;

/**
 * The runnable jar's entry point, compiled for Java 8 so that any JVM can run it: on a JVM older
 * than 25 it prints one line saying JDK 25 is required (instead of an
 * {@code UnsupportedClassVersionError}), otherwise it starts {@link Main}.
 */
public final class Launcher {

    /** The Java feature release the library is compiled for. */
    static final int REQUIRED = 25;

    private Launcher() {
    }

    public static void main(String[] args) throws Throwable {
        int feature = feature(System.getProperty("java.specification.version", "0"));
        if (feature < REQUIRED) {
            System.err.println("mobilenetj needs Java " + REQUIRED + " or newer, but this is Java "
                    + System.getProperty("java.version") + " (" + System.getProperty("java.home") + "). Run it with a JDK "
                    + REQUIRED + ", e.g. $JAVA_HOME/bin/java -jar ... with JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64.");
            System.exit(1);
        }
        try {
            Class.forName("io.github.mobilenetj.cli.Main").getMethod("main", String[].class).invoke(null, (Object) args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    /** 8 for "1.8", 17 for "17". */
    static int feature(String specificationVersion) {
        String v = specificationVersion.startsWith("1.") ? specificationVersion.substring(2) : specificationVersion;
        int end = 0;
        while (end < v.length() && Character.isDigit(v.charAt(end))) {
            end++;
        }
        return end == 0 ? 0 : Integer.parseInt(v.substring(0, end));
    }
}
