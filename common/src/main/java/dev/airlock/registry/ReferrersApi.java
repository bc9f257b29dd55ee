package dev.airlock.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.airlock.digest.Digest;
import dev.airlock.error.AirlockException;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.RawManifest;
import dev.airlock.oci.Referrer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The OCI 1.1 referrers API: {@code GET /v2/<name>/referrers/<digest>}, answered with an OCI image
 * index whose entries are the manifests that name {@code <digest>} as their subject, paged with
 * the {@code Link} header. A registry with the API never answers such a request with 404 (the
 * distribution spec says so), so a 404, or any answer that is not an OCI image index, means the
 * host has none; the client remembers that per host, and a later call asks nothing.
 *
 * <p>A host probed by several threads at once before the first answer is in may be asked once
 * by each; after that, never again.
 */
final class ReferrersApi {
    static final int MAX_REFERRERS = 10_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    private ReferrersApi() {
    }

    static Optional<List<Referrer>> list(RegistryClient.Repository repo, Digest subject) {
        if (repo.referrersApiKnownAbsent()) {
            return Optional.empty();
        }
        String what = "referrers of " + repo.where() + "@" + subject;
        Pages pages = new Pages(repo, repo.uri("/referrers/" + subject), Map.of("Accept", MediaTypes.OCI_INDEX), what);
        RegistryClient.Page first = pages.next();
        if (first.status() != 200 || !isIndex(first)) {
            repo.referrersApiAbsent();
            return Optional.empty();
        }
        List<Referrer> out = new ArrayList<>();
        Set<Digest> listed = new HashSet<>();
        for (RegistryClient.Page page = first; page != null; page = pages.next()) {
            if (page.status() != 200 || !isIndex(page)) {
                throw AirlockException.malformed(repo.where() + " answered a later page of the " + what + " with HTTP "
                        + page.status() + " and no OCI image index, after a first page that had one");
            }
            for (Referrer r : RawManifest.of(page.body(), MediaTypes.OCI_INDEX, what).referrers()) {
                if (listed.add(r.digest())) {
                    if (out.size() >= MAX_REFERRERS) {
                        throw AirlockException.malformed(repo.where() + " lists more than " + MAX_REFERRERS + " referrers of "
                                + subject + " (the bound on one referrers listing)");
                    }
                    out.add(r);
                }
            }
        }
        return Optional.of(out);
    }

    /** An OCI image index: a JSON object with a {@code manifests} array, of media type OCI index (by its field or, absent that, its Content-Type). */
    private static boolean isIndex(RegistryClient.Page page) {
        JsonNode node;
        try {
            node = JSON.readTree(page.body());
        } catch (IOException e) {
            return false;
        }
        if (node == null || !node.isObject() || !node.path("manifests").isArray()) {
            return false;
        }
        String type = node.path("mediaType").asText(page.contentType());
        return MediaTypes.OCI_INDEX.equals(type);
    }
}
