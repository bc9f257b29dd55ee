package dev.airlock.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class WwwAuthenticateTest {
    @Test
    void parsesBearerChallengeWithQuotedCommas() {
        WwwAuthenticate w = WwwAuthenticate.parse(
                "Bearer realm=\"https://auth.example/token\",service=\"registry.example\",scope=\"repository:a/b:pull,push\"");
        assertEquals("bearer", w.scheme());
        assertEquals("https://auth.example/token", w.params().get("realm"));
        assertEquals("registry.example", w.params().get("service"));
        assertEquals("repository:a/b:pull,push", w.params().get("scope"));
    }

    @Test
    void parsesBasic() {
        WwwAuthenticate w = WwwAuthenticate.parse("Basic realm=\"airlock-test\"");
        assertEquals("basic", w.scheme());
        assertEquals("airlock-test", w.params().get("realm"));
    }
}
