package dev.airlock.registry;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** A user name and a secret for one registry. {@link #toString()} never shows the secret. */
public record Credentials(String username, String secret) {

    public String basicHeader() {
        return "Basic " + Base64.getEncoder().encodeToString((username + ":" + secret).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
        return "Credentials[" + username + ", ****]";
    }
}
