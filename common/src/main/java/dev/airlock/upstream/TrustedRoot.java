package dev.airlock.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.airlock.error.AirlockException;
import dev.airlock.io.BoundedFiles;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * Sigstore's {@code trusted_root.json} (protobuf-specs JSON, as TUF delivers it): the Fulcio
 * certificate authorities, the Rekor transparency logs and the CT logs, each with the period it
 * is valid for. Supplied by the user and carried by hand like the bundle certificate: nothing is
 * fetched. A log is found by its log ID, which airlock computes itself as the SHA-256 of the
 * key's DER (the file's own {@code logId} is not trusted to agree).
 */
public final class TrustedRoot {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A Fulcio CA: its chain as listed (issuing certificate first, root last) and when it may issue. */
    public record Authority(List<X509Certificate> chain, Instant start, Instant end) {
        boolean validAt(Instant t) {
            return !t.isBefore(start) && (end == null || !t.isAfter(end));
        }
    }

    /** A Rekor or CT log key: its log ID (SHA-256 of the DER key) and validity. */
    public record LogKey(byte[] logId, PublicKey key, Instant start, Instant end) {
        boolean validAt(Instant t) {
            return (start == null || !t.isBefore(start)) && (end == null || !t.isAfter(end));
        }
    }

    private final Path file;
    private final List<Authority> authorities;
    private final List<LogKey> tlogs;
    private final List<LogKey> ctlogs;

    private TrustedRoot(Path file, List<Authority> authorities, List<LogKey> tlogs, List<LogKey> ctlogs) {
        this.file = file;
        this.authorities = List.copyOf(authorities);
        this.tlogs = List.copyOf(tlogs);
        this.ctlogs = List.copyOf(ctlogs);
    }

    /** Refused as USAGE (exit 2) naming the file and the entry: missing, not JSON, a key or certificate that does not parse. */
    public static TrustedRoot load(Path trustedRootJson) {
        JsonNode root;
        try {
            root = JSON.readTree(BoundedFiles.read(trustedRootJson, BoundedFiles.CONFIG));
        } catch (NoSuchFileException e) {
            throw AirlockException.usage("trusted root " + trustedRootJson + " does not exist");
        } catch (IOException e) {
            throw AirlockException.usage("trusted root " + trustedRootJson + " is not readable JSON: "
                    + String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
        }
        String at = "certificateAuthorities";
        try {
            List<Authority> cas = new ArrayList<>();
            for (JsonNode ca : root.path("certificateAuthorities")) {
                List<X509Certificate> chain = new ArrayList<>();
                for (JsonNode c : ca.path("certChain").path("certificates")) {
                    chain.add(certificate(Base64.getDecoder().decode(c.path("rawBytes").asText())));
                }
                if (chain.isEmpty()) {
                    throw new IllegalArgumentException("a certificate authority without certificates");
                }
                cas.add(new Authority(chain, instant(ca.path("validFor").path("start"), Instant.EPOCH), instant(ca.path("validFor").path("end"), null)));
            }
            at = "tlogs";
            List<LogKey> tlogs = logs(root.path("tlogs"));
            at = "ctlogs";
            return new TrustedRoot(trustedRootJson, cas, tlogs, logs(root.path("ctlogs")));
        } catch (GeneralSecurityException | IllegalArgumentException | DateTimeParseException e) {
            throw AirlockException.usage("trusted root " + trustedRootJson + ": " + at + ": " + e.getMessage());
        }
    }

    private static List<LogKey> logs(JsonNode list) throws GeneralSecurityException {
        List<LogKey> out = new ArrayList<>();
        for (JsonNode log : list) {
            JsonNode pk = log.path("publicKey");
            PublicKey key = PublicKeys.fromDer(Base64.getDecoder().decode(pk.path("rawBytes").asText()));
            out.add(new LogKey(PublicKeys.sha256(key.getEncoded()), key, instant(pk.path("validFor").path("start"), null),
                    instant(pk.path("validFor").path("end"), null)));
        }
        return out;
    }

    static X509Certificate certificate(byte[] der) throws GeneralSecurityException {
        return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
    }

    private static Instant instant(JsonNode n, Instant absent) {
        return n.isTextual() ? Instant.parse(n.asText()) : absent;
    }

    /** The Fulcio CAs, in file order. */
    public List<Authority> authorities() {
        return authorities;
    }

    /** The Rekor key with this log ID valid at {@code t}, or null. */
    public LogKey rekor(byte[] logId, Instant t) {
        return find(tlogs, logId, t);
    }

    /** The CT log key with this log ID valid at {@code t}, or null. */
    public LogKey ctlog(byte[] logId, Instant t) {
        return find(ctlogs, logId, t);
    }

    public boolean hasCtLogs() {
        return !ctlogs.isEmpty();
    }

    private static LogKey find(List<LogKey> logs, byte[] logId, Instant t) {
        return logs.stream().filter(l -> Arrays.equals(l.logId(), logId) && l.validAt(t)).findFirst().orElse(null);
    }

    public Path file() {
        return file;
    }
}
