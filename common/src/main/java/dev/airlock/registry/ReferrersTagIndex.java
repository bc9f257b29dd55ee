package dev.airlock.registry;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.digest.Digest;
import dev.airlock.error.AirlockException;
import dev.airlock.io.Backoff;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.RawManifest;
import dev.airlock.oci.Referrer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Makes a referrer findable on a registry: nothing to do where the registry's referrers API
 * already lists it; otherwise the referrers tag schema's index at {@code sha256-<hex>} of the
 * subject is read, our entry added if missing, and written back.
 *
 * <p>What was there stays exactly as it was: our descriptor is spliced into the {@code manifests}
 * array of the index's own bytes, so other tools' entries and fields (unknown ones too) keep their
 * bytes. A tag that holds anything but an OCI image index is not ours to replace: refused.
 *
 * <p>Registries have no conditional PUT, so two writers of one index can each read it, each add
 * their entry and each write, the later write dropping the earlier one's entry. Against that:
 * writers in this JVM are serialized per (registry, repository, subject); writers in other
 * processes on this host too when they share the lock directory ({@link IndexLock}); and every
 * write is read back, merged and written again (at most {@value #MAX_WRITES} writes, a small random
 * wait between them) until our entry is seen. What this cannot guarantee: a writer on another host,
 * or one without the lock, that reads before our write and writes after our read-back drops our
 * entry after we have checked it; the read-back loop catches most such interleavings, not every
 * one.
 */
final class ReferrersTagIndex {
    static final int MAX_WRITES = 5;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] EMPTY_INDEX = ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_INDEX + "\",\"manifests\":[]}")
            .getBytes(StandardCharsets.UTF_8);

    private final RegistryClient client;
    private final Path lockDir;

    /** {@code lockDir}: where the cross-process lock files live; null for in-process locks only. */
    ReferrersTagIndex(RegistryClient client, Path lockDir) {
        this.client = client;
        this.lockDir = lockDir;
    }

    void attach(String host, String name, Digest subject, RawManifest referrer) {
        RegistryClient.Repository repo = client.repository(host, name);
        Digest digest = referrer.digest();
        if (repo.referrers(subject).map(list -> list.stream().anyMatch(r -> r.digest().equals(digest))).orElse(false)) {
            return;
        }
        String tag = Referrer.fallbackTag(subject);
        String what = "the referrers index " + repo.where() + ":" + tag;
        try (IndexLock lock = IndexLock.acquire(host + "/" + name + "@" + subject, lockDir, IndexLock.WAIT, what)) {
            merge(repo, tag, referrer, what);
        }
    }

    private void merge(RegistryClient.Repository repo, String tag, RawManifest referrer, String what) {
        Optional<RawManifest> current = read(repo, tag, what);
        for (int writes = 0; !lists(current, referrer.digest()); ) {
            if (writes == MAX_WRITES) {
                throw AirlockException.transientFailure(what + ": another writer replaced it each time, " + MAX_WRITES
                        + " writes of " + referrer.digest() + " did not stay; run again", null);
            }
            if (writes > 0) {
                Backoff.sleep(Duration.ofMillis(ThreadLocalRandom.current().nextLong(20, 100L * (writes + 1))));
                current = read(repo, tag, what);
                if (lists(current, referrer.digest())) {
                    return;
                }
            }
            byte[] base = current.map(RawManifest::bytes).orElse(EMPTY_INDEX);
            repo.putManifest(tag, RawManifest.of(withEntry(base, referrer.asReferrer(), what), MediaTypes.OCI_INDEX, what));
            writes++;
            current = read(repo, tag, what);
        }
    }

    /** The index now at {@code tag}, or empty; a tag holding something else is refused. */
    private static Optional<RawManifest> read(RegistryClient.Repository repo, String tag, String what) {
        Optional<RawManifest> found = repo.findManifest(tag);
        if (found.isPresent() && !found.get().mediaType().equals(MediaTypes.OCI_INDEX)) {
            throw AirlockException.malformed(what + " holds a " + found.get().mediaType() + " (" + found.get().digest()
                    + "), not the OCI image index the referrers tag schema keeps there; refusing to replace it");
        }
        return found;
    }

    private static boolean lists(Optional<RawManifest> index, Digest digest) {
        if (index.isEmpty()) {
            return false;
        }
        try {
            for (JsonNode entry : JSON.readTree(index.get().bytesUnsafe()).path("manifests")) {
                if (entry.path("digest").asText("").equals(digest.toString())) {
                    return true;
                }
            }
            return false;
        } catch (IOException e) {
            throw AirlockException.malformed(index.get().digest() + ": not valid JSON");
        }
    }

    /**
     * {@code index} with {@code entry} appended to its top-level {@code manifests} array: the bytes
     * before and after the insertion point are the index's own.
     */
    static byte[] withEntry(byte[] index, Referrer entry, String what) {
        int end = endOfManifests(index, what);
        boolean empty = lastNonSpaceBefore(index, end) == '[';
        ByteArrayOutputStream out = new ByteArrayOutputStream(index.length + 512);
        out.write(index, 0, end);
        if (!empty) {
            out.write(',');
        }
        out.writeBytes(descriptor(entry));
        out.write(index, end, index.length - end);
        return out.toByteArray();
    }

    /** The byte offset of the {@code ]} that closes the top-level {@code manifests} array (the last one, if named twice). */
    private static int endOfManifests(byte[] index, String what) {
        int end = -1;
        try (JsonParser p = JSON.getFactory().createParser(index)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw AirlockException.malformed(what + " is not a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.getCurrentName();
                JsonToken value = p.nextToken();
                if (field.equals("manifests") && value == JsonToken.START_ARRAY) {
                    while (p.nextToken() != JsonToken.END_ARRAY) {
                        p.skipChildren();
                    }
                    end = Math.toIntExact(p.getTokenLocation().getByteOffset());
                } else {
                    p.skipChildren();
                }
            }
        } catch (IOException e) {
            throw AirlockException.malformed(what + " is not valid JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (end < 0) {
            throw AirlockException.malformed(what + " has no manifests array");
        }
        return end;
    }

    private static int lastNonSpaceBefore(byte[] b, int at) {
        for (int i = at - 1; i >= 0; i--) {
            if (b[i] != ' ' && b[i] != '\t' && b[i] != '\n' && b[i] != '\r') {
                return b[i];
            }
        }
        return -1;
    }

    /** The descriptor the referrers tag schema lists: mediaType, digest, size, artifactType (if any), annotations (if any). */
    private static byte[] descriptor(Referrer r) {
        ObjectNode d = JSON.createObjectNode();
        d.put("mediaType", r.mediaType());
        d.put("digest", r.digest().toString());
        d.put("size", r.size());
        if (r.artifactType() != null) {
            d.put("artifactType", r.artifactType());
        }
        if (!r.annotations().isEmpty()) {
            ObjectNode a = d.putObject("annotations");
            r.annotations().forEach(a::put);
        }
        try {
            return JSON.writeValueAsBytes(d);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
