package dev.airlock.testing;

import dev.airlock.copy.BlobReader;
import dev.airlock.copy.ImageSource;
import dev.airlock.copy.Repo;
import dev.airlock.digest.BlobVerifier;
import dev.airlock.digest.Digest;
import dev.airlock.digest.VerifyingInputStream;
import dev.airlock.error.AirlockException;
import dev.airlock.io.BlobContent;
import dev.airlock.io.BlobSink;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.RawManifest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Images held in memory, built from {@link TestImages}: a source for copy-engine tests. Blob
 * readers check every byte with the one verifier, like every real source, so a blob made bad with
 * {@link #corrupt} fails with DIGEST_MISMATCH and its last chunk is never handed out. Counts how
 * often each blob is read.
 */
public final class MemorySource implements ImageSource {
    /** Bytes handed to a push sink at once; small, so a blob arrives in several pieces. */
    private static final int CHUNK = 64 * 1024;

    private final Map<Repo, Map<String, RawManifest>> manifests = new ConcurrentHashMap<>();
    private final Map<Digest, byte[]> blobs = new ConcurrentHashMap<>();
    private final Map<Digest, AtomicInteger> reads = new ConcurrentHashMap<>();
    private final AtomicInteger manifestReads = new AtomicInteger();
    private final AtomicInteger tagLists = new AtomicInteger();
    private final AtomicInteger referrerCalls = new AtomicInteger();
    private volatile boolean referrersApi;

    /** Answers the referrers API from the manifests held (as distribution 3 or zot would); off by default, like distribution 2.8. */
    public MemorySource withReferrersApi() {
        referrersApi = true;
        return this;
    }

    /** Holds a manifest under {@code tag} (and its digest) alone, its blobs already held or not needed. */
    public MemorySource tag(Repo repo, String tag, RawManifest manifest) {
        Map<String, RawManifest> m = manifests.computeIfAbsent(repo, k -> new ConcurrentHashMap<>());
        m.put(manifest.digest().toString(), manifest);
        m.put(tag, manifest);
        return this;
    }

    public int tagLists() {
        return tagLists.get();
    }

    public int referrerCalls() {
        return referrerCalls.get();
    }

    @Override
    public java.util.List<String> tags(Repo repo) {
        tagLists.incrementAndGet();
        return manifests.getOrDefault(repo, Map.of()).keySet().stream().filter(k -> !Digest.isValid(k)).sorted().toList();
    }

    @Override
    public java.util.Optional<java.util.List<dev.airlock.oci.Referrer>> referrers(Repo repo, Digest subject) {
        referrerCalls.incrementAndGet();
        if (!referrersApi) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(manifests.getOrDefault(repo, Map.of()).entrySet().stream()
                .filter(e -> Digest.isValid(e.getKey()))
                .map(Map.Entry::getValue)
                .filter(m -> m.subject().map(d -> d.digest().equals(subject)).orElse(false))
                .map(RawManifest::asReferrer).toList());
    }

    /** Holds {@code image} (its child manifests and every blob) in {@code repo}, under {@code tag} if not null. */
    public MemorySource add(Repo repo, String tag, TestImages.Image image) {
        Map<String, RawManifest> m = manifests.computeIfAbsent(repo, k -> new ConcurrentHashMap<>());
        addTree(m, image);
        if (tag != null) {
            m.put(tag, image.manifest());
        }
        return this;
    }

    private void addTree(Map<String, RawManifest> m, TestImages.Image image) {
        m.put(image.manifest().digest().toString(), image.manifest());
        for (Map.Entry<Digest, Object> b : image.blobs().entrySet()) {
            try {
                blobs.put(b.getKey(), b.getValue() instanceof byte[] bytes ? bytes.clone() : ((TestImages.Layer) b.getValue()).bytes());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        image.children().forEach(c -> addTree(m, c));
    }

    /** Changes one byte of a held blob, so its reader must fail. */
    public MemorySource corrupt(Digest blob, int offset) {
        blobs.get(blob)[offset] ^= 0x5a;
        return this;
    }

    /** Forgets a blob, as a delta's source that never had it. */
    public MemorySource drop(Digest blob) {
        blobs.remove(blob);
        return this;
    }

    /** How many readers {@link #blob} handed out for {@code blob}. */
    public int reads(Digest blob) {
        AtomicInteger n = reads.get(blob);
        return n == null ? 0 : n.get();
    }

    public int manifestReads() {
        return manifestReads.get();
    }

    public byte[] bytes(Digest blob) {
        return blobs.get(blob).clone();
    }

    @Override
    public RawManifest manifest(Repo repo, String reference) {
        manifestReads.incrementAndGet();
        RawManifest m = manifests.getOrDefault(repo, Map.of()).get(reference);
        if (m == null) {
            throw AirlockException.notFound("manifest " + reference + " is not in " + repo);
        }
        return m;
    }

    @Override
    public BlobReader blob(Repo repo, Descriptor d) {
        byte[] bytes = blobs.get(d.digest());
        if (bytes == null) {
            throw AirlockException.notFound("blob " + d.digest() + " is not in " + repo);
        }
        reads.computeIfAbsent(d.digest(), k -> new AtomicInteger()).incrementAndGet();
        String what = "memory " + repo + "@" + d.digest();
        return new BlobReader() {
            @Override
            public void writeTo(BlobSink sink) throws IOException {
                BlobVerifier verifier = new BlobVerifier(d.digest(), d.size(), what);
                for (int off = 0; off < bytes.length; off += CHUNK) {
                    ByteBuffer chunk = ByteBuffer.wrap(bytes, off, Math.min(CHUNK, bytes.length - off)).slice();
                    verifier.update(chunk);
                    if (verifier.complete()) {
                        verifier.finish(); // the last chunk of a bad blob is never handed out
                    }
                    sink.write(chunk, off);
                }
                if (bytes.length == 0 || !verifier.complete()) {
                    verifier.finish();
                }
            }

            @Override
            public BlobContent content() {
                return offset -> {
                    InputStream in = new ByteArrayInputStream(bytes, (int) offset, bytes.length - (int) offset);
                    return offset == 0 ? new VerifyingInputStream(in, d.digest(), d.size(), what) : in;
                };
            }
        };
    }
}
