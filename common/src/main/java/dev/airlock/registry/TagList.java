package dev.airlock.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.airlock.error.AirlockException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Every tag of a repository ({@code GET /v2/<name>/tags/list}, paged with {@code n} and the
 * {@code Link} header), at most {@value #MAX_TAGS}.
 */
final class TagList {
    static final int MAX_TAGS = 100_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    private TagList() {
    }

    /** The tags in the registry's order; empty when the repository does not exist (404 on the first page). */
    static List<String> read(RegistryClient.Repository repo, int pageSize) {
        String what = "tag list of " + repo.where();
        Pages pages = new Pages(repo, repo.uri("/tags/list?n=" + pageSize), Map.of(), what);
        List<String> tags = new ArrayList<>();
        while (true) {
            boolean first = pages.atFirst();
            RegistryClient.Page page = pages.next();
            if (page == null) {
                return tags;
            }
            if (page.status() == 404 && first) {
                return List.of();
            }
            if (page.status() != 200) {
                throw repo.unexpected(page.status(), page.errorCode().isEmpty() ? "" : " (" + page.errorCode() + ")", "GET " + what);
            }
            for (JsonNode tag : tagsOf(page.body(), what)) {
                if (tags.size() >= MAX_TAGS) {
                    throw AirlockException.malformed(repo.where() + " lists more than " + MAX_TAGS
                            + " tags (the bound on one tag listing)");
                }
                tags.add(tag.asText());
            }
        }
    }

    private static JsonNode tagsOf(byte[] body, String what) {
        try {
            // Counted in values before a tree is built, as a manifest is (BoundedJsonTree): 4 MiB of
            // {"tags":[{},…]} was 1.4 million nodes, 134 MiB allocated per page (red-team pass I).
            JsonNode node = dev.airlock.io.BoundedJsonTree.read(JSON, body, MAX_TAGS + 2L);
            if (node == null || !node.isObject()) {
                throw AirlockException.malformed(what + " is not a JSON object");
            }
            JsonNode tags = node.path("tags");
            return tags.isArray() ? tags : JSON.createArrayNode(); // docker-registry sends "tags": null for none
        } catch (dev.airlock.io.BoundedJsonTree.TooManyValues e) {
            throw AirlockException.malformed(what + " lists more than " + MAX_TAGS + " tags (the bound on one tag listing)");
        } catch (IOException e) {
            throw AirlockException.malformed(what + " is not valid JSON: "
                    + e.getMessage().lines().findFirst().orElse(""));
        }
    }
}
