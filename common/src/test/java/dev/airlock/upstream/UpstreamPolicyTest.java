package dev.airlock.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.error.AirlockException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UpstreamPolicyTest {
    @TempDir
    Path dir;

    private UpstreamPolicy policy(String yaml) throws IOException {
        Path f = dir.resolve("policy.yaml");
        Files.writeString(f, yaml);
        return UpstreamPolicy.load(f);
    }

    private AirlockException refused(String yaml) {
        AirlockException e = assertThrows(AirlockException.class, () -> policy(yaml));
        assertEquals(AirlockException.Kind.USAGE, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains(dir.resolve("policy.yaml").toString()), "names the file: " + e.getMessage());
        return e;
    }

    @Test
    void match_starStaysWithinAComponent_doubleStarCrossesSlashes() throws IOException {
        UpstreamPolicy p = policy("""
                rules:
                  - match: registry.gitlab.com/security-products/*
                    require: refuse
                  - match: 127.0.0.1:5000/app/**
                    require: none
                """);
        assertEquals("registry.gitlab.com/security-products/*", p.match("registry.gitlab.com/security-products/semgrep").match());
        assertNull(p.match("registry.gitlab.com/security-products/analyzers/semgrep"), "* does not cross a slash");
        assertNull(p.match("registry.gitlab.com/security-products"), "the whole repository must match");
        assertEquals(Rule.Require.NONE, p.match("127.0.0.1:5000/app/a/b/c").require());
        assertNull(p.match("127.0.0.1:5001/app/a"), "the port is part of the host");
        assertNull(p.match("127.0.0.1:5000/apps/a"), "dots and other characters are literal");
    }

    @Test
    void match_firstMatchingRuleWins_andNoRuleIsNull() throws IOException {
        UpstreamPolicy p = policy("""
                rules:
                  - match: reg.test/app/**
                    require: refuse
                  - match: "**"
                    require: none
                """);
        assertEquals(Rule.Require.REFUSE, p.match("reg.test/app/x").require());
        assertEquals(Rule.Require.NONE, p.match("reg.test/other").require());
        assertSame(p.rules().get(1), p.match("elsewhere:443/a/b"));
        assertNull(policy("rules:\n  - match: a/*\n    require: none\n").match("b/c"));
    }

    @Test
    void load_resolvesKeysRelativeToThePolicyFile_andNamesThemBySha256() throws IOException {
        UpstreamFixtures.assumePython();
        Path pub = UpstreamFixtures.keygen(dir.resolve("keys"), "ecdsa-p256");
        String sha = UpstreamFixtures.legacy("keygen", dir.resolve("other").toString()).get("sha256").asText();
        Path otherPub = dir.resolve("other/cosign.pub");
        UpstreamPolicy p = policy("""
                rules:
                  - match: reg.test/**
                    keys: [keys/cosign.pub, other/cosign.pub]
                    minimum: 2
                """);
        Rule r = p.match("reg.test/a");
        assertEquals(List.of("keys/cosign.pub", "other/cosign.pub"), r.keys().stream().map(TrustedKey::name).toList());
        assertEquals(sha, r.keys().get(1).sha256(), "SHA-256 of the DER SubjectPublicKeyInfo, as Python computes it");
        assertEquals(Rule.Require.SIGNED, r.require(), "keys given: signatures required by default");
        assertEquals(2, r.minimum());
        assertTrue(Files.exists(pub) && Files.exists(otherPub));
    }

    @Test
    void load_keylessTakesOneEntryOrAList() throws IOException {
        UpstreamFixtures.assumePython();
        UpstreamFixtures.legacy("ca", dir.resolve("ca").toString());
        UpstreamPolicy p = policy("""
                trustedRoot: ca/trusted_root.json
                rules:
                  - match: registry.gitlab.com/**
                    keyless:
                      issuer: https://gitlab.com
                      identity: https://gitlab.com/a//.gitlab-ci.yml@refs/heads/main
                  - match: "**"
                    keyless:
                      - {issuer: https://a.test, identityRegexp: '^https://a\\.test/.*$'}
                      - {issuer: https://b.test, identity: b@b.test}
                """);
        assertEquals(1, p.match("registry.gitlab.com/x").keyless().size());
        assertEquals(2, p.match("other/x").keyless().size());
        assertEquals(1, p.trustedRoot().authorities().size());
    }

    @Test
    void load_refusesAnUnknownKey_namingIt() {
        AirlockException e = refused("""
                rules:
                  - match: a/**
                    keylss: {issuer: x, identity: y}
                """);
        assertTrue(e.getMessage().contains("'keylss'") && e.getMessage().contains("rules[0]"), e.getMessage());
        assertTrue(refused("trustRoot: x.json\nrules: [{match: a, require: none}]\n").getMessage().contains("'trustRoot'"));
        assertTrue(refused("rules: [{match: a, keyless: {issuer: x, identity: y, subject: z}}]\n").getMessage().contains("'subject'"));
    }

    @Test
    void load_refusesRulesThatCheckLessThanTheySay() {
        assertTrue(refused("rules: [{match: a}]\n").getMessage().contains("names no 'keys' or 'keyless'"));
        assertTrue(refused("rules: [{match: a, require: maybe}]\n").getMessage().contains("signed, none or refuse"));
        assertTrue(refused("rules: [{match: a, require: none, keys: [k.pub]}]\n").getMessage().contains("drop one"));
        assertTrue(refused("rules: [{match: a, keyless: {issuer: x, identity: y}}]\n").getMessage().contains("trustedRoot"));
        assertTrue(refused("rules: [{match: a, keyless: {issuer: x}}]\n").getMessage().contains("exactly one of identity"));
        assertTrue(refused("rules: [{match: a, keyless: {issuer: x, identity: y, identityRegexp: z}}]\n").getMessage()
                .contains("exactly one of identity"));
        assertTrue(refused("rules: [{match: a, keys: [missing.pub]}]\n").getMessage().contains("does not exist"));
        assertTrue(refused("rules: [{require: none}]\n").getMessage().contains("no 'match'"));
        assertTrue(refused("rules: []\n").getMessage().contains("no rules"));
    }

    @Test
    void load_refusesAKeyFileThatIsNotAPublicKey() throws IOException {
        Files.writeString(dir.resolve("k.pub"), "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
        AirlockException e = refused("rules: [{match: a, keys: [k.pub]}]\n");
        assertTrue(e.getMessage().contains("rules[0].keys[0]") && e.getMessage().contains("k.pub"), e.getMessage());
    }

    @Test
    void load_refusesAnUnreadableTrustedRoot_namingIt() throws IOException {
        Files.writeString(dir.resolve("root.json"), "{\"tlogs\": [{\"publicKey\": {\"rawBytes\": \"AAAA\"}}]}");
        AirlockException e = assertThrows(AirlockException.class, () -> policy("trustedRoot: root.json\nrules: [{match: a, require: none}]\n"));
        assertTrue(e.getMessage().contains("root.json") && e.getMessage().contains("tlogs"), e.getMessage());
    }

    @Test
    void load_refusesValuesOfTheWrongKind_namingWhere() {
        assertTrue(refused("rules: [{match: a, require: none, minimum: 1.5}]\n").getMessage().contains("at rules[0].minimum is not a whole number"));
        assertTrue(refused("rules: [{match: a, keyless: {issuer: x, identityRegexp: '(('}}]\ntrustedRoot: r.json\n").getMessage()
                .contains("rules[0].keyless[0]: identityRegexp is not a regular expression"));
        AirlockException e = refused("trustedRoot: nope.json\nrules: [{match: a, keyless: {issuer: x, identity: y}}]\n");
        assertTrue(e.getMessage().contains("trustedRoot: trusted root " + dir.resolve("nope.json") + " does not exist"), e.getMessage());
    }
}
