package dev.airlock.registry;

import dev.airlock.error.AirlockException;
import java.net.URI;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The pages of a paged registry GET, one after another as each page's {@code Link} header names
 * the next (see {@link NextLink}). Bounded: at most {@value #MAX_PAGES} pages, and a link back to
 * a page already read is refused, so a registry that loops cannot keep a run busy forever.
 */
final class Pages {
    static final int MAX_PAGES = 10_000;
    private final RegistryClient.Repository repo;
    private final Map<String, String> headers;
    private final String what;
    private final Set<URI> seen = new HashSet<>();
    private URI next;

    Pages(RegistryClient.Repository repo, URI first, Map<String, String> headers, String what) {
        this.repo = repo;
        this.next = first;
        this.headers = headers;
        this.what = what;
    }

    /** Whether the page {@link #next()} returns would be the first. */
    boolean atFirst() {
        return seen.isEmpty();
    }

    /** The next page, or null after the last one. */
    RegistryClient.Page next() {
        if (next == null) {
            return null;
        }
        if (seen.size() >= MAX_PAGES) {
            throw AirlockException.malformed(repo.where() + " sent more than " + MAX_PAGES + " pages of " + what
                    + " (the bound on one listing)");
        }
        if (!seen.add(next)) {
            throw AirlockException.malformed(repo.where() + " named a page of " + what + " it had already sent (" + next
                    + "): its Link header loops");
        }
        RegistryClient.Page page = repo.page(next, headers, what);
        next = page.next().orElse(null);
        return page;
    }
}
