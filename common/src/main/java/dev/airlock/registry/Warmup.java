package dev.airlock.registry;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;

/**
 * Start-up work for the registry client done on the other core while the command line is parsed:
 * loading and initializing the HTTP client, TLS and JSON classes costs a short command on a small
 * machine about a tenth of a second. Side-effect free; the real client is made later as usual.
 */
public final class Warmup {
    private Warmup() {
    }

    /** Starts the warm-up on a daemon thread, which also runs {@code more} (e.g. OpenPGP set-up). */
    public static void start(Runnable more) {
        Thread t = new Thread(() -> {
            try {
                // RegistryHttp first: its initializer sets the HTTP buffer size before the client
                // classes read it.
                Class.forName(RegistryHttp.class.getName(), true, Warmup.class.getClassLoader());
                Tls.context(null);
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1);
                HttpRequest.newBuilder();
                more.run();
            } catch (Throwable ignored) {
                // only a head start: whatever fails here fails again, reported, where it is needed
            }
        }, "airlock-warmup");
        t.setDaemon(true);
        t.start();
    }
}
