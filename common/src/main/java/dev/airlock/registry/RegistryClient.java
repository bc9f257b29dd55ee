package dev.airlock.registry;

import dev.airlock.io.Backoff;
import dev.airlock.io.BlobContent;
import dev.airlock.io.BlobSink;
import dev.airlock.digest.Digest;
import dev.airlock.digest.DigestMismatchException;
import dev.airlock.error.AirlockException;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.RawManifest;
import dev.airlock.oci.Referrer;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The OCI distribution API on {@code java.net.http}: manifests kept as raw bytes, blobs streamed,
 * uploads monolithic or chunked, cross-repository mounts, {@code HEAD} checks and {@code Range}
 * resume. Thread-safe; one instance serves many parallel transfers.
 */
public final class RegistryClient implements AutoCloseable {
    private static final String ACCEPT = String.join(", ", MediaTypes.ACCEPTED_MANIFESTS);
    /** Tags named in a "tag not found" message. */
    private static final int TAGS_SHOWN = 8;
    /** Tags asked for to pick those shown: the first page of a long list, sorted here. */
    private static final int TAGS_LISTED = 1000;
    /** Tags asked for per page by {@link Repository#listTags()}. */
    static final int TAGS_PER_PAGE = 1000;
    private final RegistryHttp http;
    private final RegistryOptions options;
    /**
     * Hosts whose referrers API is known absent (they answered a referrers request with 404 or
     * with something that is not an image index): asked once per host for this client's life.
     */
    private final Set<String> noReferrersApi = ConcurrentHashMap.newKeySet();

    public RegistryClient(RegistryOptions options) {
        this.options = options;
        this.http = new RegistryHttp(options);
    }

    /** Releases the HTTP client's threads (on runtimes that allow it). */
    @Override
    public void close() {
        http.close();
    }

    /**
     * Checks that {@code host} answers the registry API with the configured credentials ({@code GET /v2/},
     * logging in when asked). Returns whether the registry asked for a login at all; a refused login
     * is {@code AUTH_REFUSED}.
     */
    public boolean checkLogin(String host) {
        String what = "the registry API (GET /v2/)";
        HttpResponse<InputStream> r = http.send(new RegistryHttp.Call("GET", host, http.base(host).resolve("/v2/"), Map::of, null,
                List.of(), what));
        if (r.statusCode() != 200) {
            throw AirlockException.usage(host + " answered HTTP " + r.statusCode() + RegistryHttp.errorText(r) + " to " + what
                    + ": is it a container registry?");
        }
        return http.loggedIn(host);
    }

    /** One repository on one registry. */
    public Repository repository(String host, String name) {
        return new Repository(host, name);
    }

    public final class Repository {
        private final String host;
        private final String name;

        private Repository(String host, String name) {
            this.host = host;
            this.name = name;
        }

        public String host() {
            return host;
        }

        public String name() {
            return name;
        }

        URI uri(String path) {
            return http.base(host).resolve("/v2/" + name + path);
        }

        private List<String> pull() {
            return List.of("repository:" + name + ":pull");
        }

        private List<String> push() {
            return List.of("repository:" + name + ":pull,push");
        }

        private RegistryHttp.Call call(String method, URI uri, Map<String, String> headers, Supplier<BodyPublisher> body,
                List<String> scopes, String what) {
            return new RegistryHttp.Call(method, host, uri, () -> headers, body, scopes, what);
        }

        /** A call made once: its retry is the caller's (an upload retries in a new session). */
        private RegistryHttp.Call once(String method, URI uri, Map<String, String> headers, Supplier<BodyPublisher> body,
                String what) {
            return new RegistryHttp.Call(method, host, uri, () -> headers, body, push(), what, false);
        }

        /**
         * Downloads a blob into {@code sink}, hashing every byte once on the way. A connection that
         * breaks is resumed with {@code Range} from the byte reached. Throws a verification error
         * when the content does not match {@code digest} and {@code size}.
         */
        public void fetchBlob(Digest digest, long size, BlobSink sink) {
            String what = "blob " + where() + "@" + digest.shortHex();
            BlobDownload download = new BlobDownload(digest, size, sink, what);
            RegistryHttp.Call c = new RegistryHttp.Call("GET", host, uri("/blobs/" + digest), download::headers, null, pull(), what);
            HttpResponse<Object> r = http.send(c, download::subscriber, st -> st == 200 || st == 206);
            if (r.statusCode() == 404) {
                throw AirlockException.notFound(what + " not found");
            }
            if (r.statusCode() != 200 && r.statusCode() != 206) {
                expect(r, 200, "GET " + what);
            }
            try {
                download.finish();
            } catch (DigestMismatchException e) {
                throw e.toAirlock();
            }
        }

        String where() {
            return host + "/" + name;
        }

        /** Fetches a manifest by tag or digest; when asked by digest, the bytes must hash to it. */
        public RawManifest getManifest(String reference) {
            String what = "manifest " + where() + ":" + reference;
            HttpResponse<InputStream> r = http.send(call("GET", uri("/manifests/" + reference),
                    Map.of("Accept", ACCEPT), null, pull(), what));
            int s = r.statusCode();
            if (s == 404) {
                String reason = whyNotFound(reference, RegistryHttp.errorCode(r));
                throw new ManifestNotFound(what + " not found (" + reason + ")", reason);
            }
            return manifestOf(r, reference, what);
        }

        private RawManifest manifestOf(HttpResponse<InputStream> r, String reference, String what) {
            expect(r, 200, "GET " + what);
            byte[] bytes;
            try (InputStream in = r.body()) {
                bytes = in.readNBytes(RawManifest.MAX_SIZE + 1);
            } catch (IOException e) {
                throw AirlockException.transientFailure("reading " + what + ": " + e.getMessage(), e);
            }
            String contentType = r.headers().firstValue("Content-Type").map(t -> t.split(";")[0].trim()).orElse(null);
            RawManifest m = RawManifest.of(bytes, contentType, what);
            if (Digest.isValid(reference) && !Digest.parse(reference).equals(m.digest())) {
                throw AirlockException.digestMismatch(what + ": registry sent content that hashes to " + m.digest());
            }
            return m;
        }

        /**
         * Why a manifest is missing, in a few words: the repository (the registry's code
         * {@code NAME_UNKNOWN}), or the tag or digest in a repository that exists
         * ({@code MANIFEST_UNKNOWN}), naming the tags it has. A registry that answers 404 without a
         * code is told apart by its tag list: that is 404 too when the repository does not exist.
         */
        private String whyNotFound(String reference, String code) {
            if (code.equals("NAME_UNKNOWN")) {
                return "repository not found";
            }
            // Some registries (Debian's docker-registry among them) answer MANIFEST_UNKNOWN for a missing
            // repository too: its tag list, 404 then, is what tells the two apart.
            Optional<List<String>> tags;
            try {
                tags = tags(TAGS_LISTED);
            } catch (AirlockException e) {
                tags = null; // the tag list is only for the message; its failure is not the one to report
            }
            if (tags != null && tags.isEmpty()) {
                return "repository not found";
            }
            String missing = Digest.isValid(reference) ? "manifest " + reference : "tag " + reference;
            String have = "";
            if (tags != null && tags.isPresent()) {
                List<String> list = tags.get().stream().sorted().toList();
                have = list.isEmpty() ? "; it has no tags"
                        : "; it has " + String.join(", ", list.subList(0, Math.min(TAGS_SHOWN, list.size())))
                                + (list.size() > TAGS_SHOWN ? ", …" : "");
            }
            return missing + " not found in " + name + have;
        }

        /**
         * The repository's tags (at most {@code max}, the registry's first page, in its order), or
         * empty when the repository does not exist.
         */
        public Optional<List<String>> tags(int max) {
            String what = "tag list of " + where();
            HttpResponse<InputStream> r = http.send(call("GET", uri("/tags/list?n=" + max), Map.of(), null, pull(), what));
            if (r.statusCode() == 404) {
                return Optional.empty();
            }
            expect(r, 200, "GET " + what);
            try (InputStream in = r.body()) {
                com.fasterxml.jackson.databind.JsonNode list = new com.fasterxml.jackson.databind.ObjectMapper()
                        .readTree(in.readNBytes(RawManifest.MAX_SIZE)).path("tags");
                List<String> tags = new java.util.ArrayList<>();
                list.forEach(t -> tags.add(t.asText()));
                return Optional.of(tags.subList(0, Math.min(max, tags.size())));
            } catch (IOException e) {
                throw AirlockException.transientFailure("reading " + what + ": " + e.getMessage(), e);
            }
        }

        /**
         * Every tag of the repository, in the registry's order: all pages, asked
         * {@value RegistryClient#TAGS_PER_PAGE} at a time with {@code n} and followed by the
         * {@code Link} header (which must stay on this registry's host). Empty when the repository
         * does not exist. Bounded: at most {@value TagList#MAX_TAGS} tags and 4 MiB per page, a
         * larger answer is refused (MALFORMED_BUNDLE) with the bound named.
         */
        public List<String> listTags() {
            return TagList.read(this, TAGS_PER_PAGE);
        }

        /** {@link #listTags()} asking {@code pageSize} tags per page. */
        List<String> listTags(int pageSize) {
            return TagList.read(this, pageSize);
        }

        /**
         * What the registry's referrers API ({@code GET /v2/<name>/referrers/<digest>}) lists for
         * {@code subject}, all pages merged (each digest once, first answer kept), at most
         * {@value ReferrersApi#MAX_REFERRERS}; or empty when the registry has no referrers API
         * (it answered 404, or something that is not an OCI image index). That absence is
         * remembered per host for this client's life: later calls for that host ask nothing.
         */
        public Optional<List<Referrer>> referrers(Digest subject) {
            return ReferrersApi.list(this, subject);
        }

        boolean referrersApiKnownAbsent() {
            return noReferrersApi.contains(host);
        }

        void referrersApiAbsent() {
            noReferrersApi.add(host);
        }

        /**
         * A manifest by tag or digest, or empty when the registry answers 404 (without the tag
         * listing {@link #getManifest} makes to explain a missing one).
         */
        public Optional<RawManifest> findManifest(String reference) {
            String what = "manifest " + where() + ":" + reference;
            HttpResponse<InputStream> r = http.send(call("GET", uri("/manifests/" + reference),
                    Map.of("Accept", ACCEPT), null, pull(), what));
            if (r.statusCode() == 404) {
                return Optional.empty();
            }
            return Optional.of(manifestOf(r, reference, what));
        }

        /**
         * One page of a paged GET: its status, body (refused over 4 MiB), Content-Type and the next
         * page the {@code Link} header names (only read from a 200).
         */
        Page page(URI uri, Map<String, String> headers, String what) {
            HttpResponse<InputStream> r = http.send(call("GET", uri, headers, null, pull(), what));
            byte[] body;
            try (InputStream in = r.body()) {
                body = in.readAllBytes();
            } catch (IOException e) {
                throw AirlockException.transientFailure("reading " + what + ": " + e.getMessage(), e);
            }
            if (body.length > RawManifest.MAX_SIZE) {
                throw AirlockException.malformed("the " + what + " has a page over the 4 MiB limit (the bound on one page)");
            }
            String type = r.headers().firstValue("Content-Type").map(t -> t.split(";")[0].trim()).orElse(null);
            Optional<URI> next = r.statusCode() == 200 ? NextLink.of(r, uri, what) : Optional.empty();
            return new Page(r.statusCode(), body, type, next, r.statusCode() == 200 ? "" : RegistryHttp.errorCode(r));
        }

        /** The failure for an unexpected HTTP status {@code got}, worded as this client's other calls word it. */
        AirlockException unexpected(int got, String detail, String what) {
            return AirlockException.transientFailure(what + ": " + host + " answered HTTP " + got + detail, null);
        }

        /** The digest a tag or digest resolves to, or empty if absent. */
        public Optional<Digest> headManifest(String reference) {
            String what = "manifest " + where() + ":" + reference;
            HttpResponse<InputStream> r = http.send(call("HEAD", uri("/manifests/" + reference),
                    Map.of("Accept", ACCEPT), null, pull(), what));
            if (r.statusCode() == 404) {
                return Optional.empty();
            }
            expect(r, 200, "HEAD " + what);
            return r.headers().firstValue("Docker-Content-Digest").map(Digest::parse);
        }

        /**
         * Puts a manifest's exact bytes under {@code reference} (a tag or its digest). The registry's
         * answer must name the same digest: a registry that rewrote the manifest is an error.
         */
        public void putManifest(String reference, RawManifest manifest) {
            String what = "manifest " + where() + ":" + reference;
            byte[] bytes = manifest.bytesUnsafe();
            HttpResponse<InputStream> r = http.send(call("PUT", uri("/manifests/" + reference),
                    Map.of("Content-Type", manifest.mediaType()), () -> HttpRequest.BodyPublishers.ofByteArray(bytes),
                    push(), what));
            expect(r, 201, "PUT " + what);
            Optional<String> echoed = r.headers().firstValue("Docker-Content-Digest");
            if (echoed.isPresent() && !echoed.get().equals(manifest.digest().toString())) {
                throw AirlockException.transientFailure(where() + " stored " + what + " as " + echoed.get()
                        + " instead of " + manifest.digest(), null);
            }
        }

        /**
         * Whether the repository has the blob. A HEAD answered with HTTP 500 on every try counts as
         * "no": distribution answers so when the repository's link to the blob was left empty by a
         * registry stopped mid-commit, and uploading the blob writes the link anew. A registry that
         * is down fails the upload as it failed the HEAD.
         */
        public boolean hasBlob(Digest digest) {
            String what = "blob " + where() + "@" + digest.shortHex();
            HttpResponse<InputStream> r;
            try {
                r = http.send(call("HEAD", uri("/blobs/" + digest), Map.of(), null, pull(), what));
            } catch (AirlockException e) {
                if (RegistryHttp.answered(e, 500)) {
                    return false;
                }
                throw e;
            }
            if (r.statusCode() == 404) {
                return false;
            }
            expect(r, 200, "HEAD " + what);
            return true;
        }

        /**
         * Uploads a blob unless the repository has it. Monolithic when {@code chunkSize <= 0} or the
         * blob fits in one chunk, else chunked. Returns false if the blob was already there.
         */
        public boolean pushBlob(Digest digest, long size, BlobContent content, long chunkSize) {
            if (hasBlob(digest)) {
                return false;
            }
            uploadBlob(digest, size, content, chunkSize);
            return true;
        }

        /**
         * Uploads a blob without asking first whether the repository has it. An attempt that fails
         * for a transient reason is retried in a new upload session (the old one is cancelled, best
         * effort): a registry refuses bytes sent again into a session it has already written to.
         */
        public void uploadBlob(Digest digest, long size, BlobContent content, long chunkSize) {
            for (int attempt = 1; ; attempt++) {
                URI location = startUpload(null);
                try {
                    if (chunkSize <= 0 || size <= chunkSize) {
                        putMonolithic(location, digest, size, content);
                    } else {
                        putChunked(location, digest, size, content, chunkSize);
                    }
                    return;
                } catch (AirlockException e) {
                    cancelUpload(location);
                    if (e.kind() != AirlockException.Kind.TRANSIENT || attempt >= options.maxAttempts()
                            || Thread.currentThread().isInterrupted()) {
                        throw e;
                    }
                    Backoff.sleep(http.backoff(attempt, null));
                }
            }
        }

        /** Ends an upload session we give up on, so the registry does not keep it; best effort. */
        private void cancelUpload(URI location) {
            try {
                http.send(once("DELETE", location, Map.of(), null, "cancel upload to " + where()));
            } catch (AirlockException ignored) {
                // the registry expires abandoned sessions itself
            }
        }

        /** Asks the registry to link a blob from another repository on the same registry. */
        public boolean mountBlob(Digest digest, String fromRepository) {
            String what = "mount of " + digest.shortHex() + " from " + fromRepository + " into " + where();
            URI uri = uri("/blobs/uploads/?mount=" + digest + "&from=" + fromRepository);
            HttpResponse<InputStream> r = http.send(call("POST", uri, Map.of(),
                    HttpRequest.BodyPublishers::noBody,
                    List.of("repository:" + name + ":pull,push", "repository:" + fromRepository + ":pull"), what));
            if (r.statusCode() == 201) {
                return true;
            }
            if (r.statusCode() == 202) {
                // Not mounted; an upload session was opened instead. Cancel it, best effort.
                r.headers().firstValue("Location").ifPresent(loc -> cancelUpload(resolve(loc)));
                return false;
            }
            expect(r, 201, "POST " + what);
            return false;
        }

        private URI resolve(String location) {
            return http.base(host).resolve(location);
        }

        private URI startUpload(String query) {
            String what = "upload to " + where();
            HttpResponse<InputStream> r = http.send(call("POST", uri("/blobs/uploads/" + (query == null ? "" : query)),
                    Map.of(), HttpRequest.BodyPublishers::noBody, push(), what));
            expect(r, 202, "POST " + what);
            return resolve(r.headers().firstValue("Location")
                    .orElseThrow(() -> AirlockException.transientFailure(where() + " started an upload without a Location", null)));
        }

        private void putMonolithic(URI location, Digest digest, long size, BlobContent content) {
            String what = "blob " + where() + "@" + digest.shortHex();
            URI put = withDigest(location, digest);
            HttpResponse<InputStream> r;
            try {
                r = http.send(once("PUT", put, Map.of("Content-Type", "application/octet-stream"),
                        () -> content.publisher(0, size), what));
            } finally {
                content.release();
            }
            expect(r, 201, "PUT " + what);
        }

        private void putChunked(URI location, Digest digest, long size, BlobContent content, long chunkSize) {
            String what = "blob " + where() + "@" + digest.shortHex();
            URI next = location;
            for (long start = 0; start < size; start += chunkSize) {
                long len = Math.min(chunkSize, size - start);
                long from = start;
                HttpResponse<InputStream> r;
                try {
                    r = http.send(once("PATCH", next, Map.of("Content-Type", "application/octet-stream",
                            "Content-Range", from + "-" + (from + len - 1)), () -> content.publisher(from, len),
                            what + " chunk at " + from));
                } finally {
                    content.release();
                }
                expect(r, 202, "PATCH " + what);
                next = resolve(r.headers().firstValue("Location")
                        .orElseThrow(() -> AirlockException.transientFailure(where() + " accepted a chunk without a Location", null)));
            }
            HttpResponse<InputStream> r = http.send(once("PUT", withDigest(next, digest), Map.of(),
                    HttpRequest.BodyPublishers::noBody, what));
            expect(r, 201, "PUT " + what);
        }

        private URI withDigest(URI location, Digest digest) {
            String s = location.toString();
            return URI.create(s + (s.contains("?") ? "&" : "?") + "digest=" + digest);
        }

        private void expect(HttpResponse<?> r, int status, String what) {
            if (r.statusCode() != status) {
                String detail = RegistryHttp.errorText(r);
                if (detail.contains("DIGEST_INVALID") || detail.contains("SIZE_INVALID")) {
                    throw AirlockException.digestMismatch(what + " was refused by " + host + detail);
                }
                throw AirlockException.transientFailure(what + ": " + host + " answered HTTP " + r.statusCode() + detail, null);
            }
        }
    }

    /** One page of a paged registry answer; {@code errorCode} is the registry's first error code on a non-200 ("" else). */
    record Page(int status, byte[] body, String contentType, Optional<URI> next, String errorCode) {
    }
}
