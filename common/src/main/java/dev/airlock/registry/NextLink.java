package dev.airlock.registry;

import dev.airlock.error.AirlockException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The next page of a paged registry answer (tag list, referrers list): the RFC 5988 {@code Link}
 * header's {@code rel="next"} target, resolved against the page that named it. Credentials go with
 * the next request, so the link must stay on the registry's own host and port; one that leaves it
 * is refused, never followed. The next request keeps the registry's scheme (an absolute
 * {@code http://} link from a registry spoken to over HTTPS does not downgrade it).
 */
final class NextLink {
    /** One link-value: {@code <target>} and its parameters up to the next link-value. */
    private static final Pattern LINK = Pattern.compile("<([^>]*)>([^<]*)");
    private static final Pattern REL = Pattern.compile("(?i)(?:^|;)\\s*rel\\s*=\\s*(?:\"([^\"]*)\"|([^\\s;,]+))");

    private NextLink() {
    }

    /**
     * The next page after {@code page} (fetched from {@code base}), or empty when the answer names
     * none. Throws MALFORMED_BUNDLE, naming {@code what}, when the link leaves the registry's host.
     */
    static Optional<URI> of(HttpResponse<?> page, URI base, String what) {
        for (String header : page.headers().allValues("Link")) {
            Matcher m = LINK.matcher(header);
            while (m.find()) {
                if (isNext(m.group(2))) {
                    return Optional.of(sameHost(base, m.group(1).trim(), what));
                }
            }
        }
        return Optional.empty();
    }

    private static boolean isNext(String params) {
        Matcher rel = REL.matcher(params);
        while (rel.find()) {
            String value = rel.group(1) != null ? rel.group(1) : rel.group(2);
            for (String token : value.trim().split("\\s+")) {
                if (token.equalsIgnoreCase("next")) {
                    return true;
                }
            }
        }
        return false;
    }

    private static URI sameHost(URI base, String target, String what) {
        URI next;
        try {
            next = base.resolve(target);
        } catch (IllegalArgumentException e) {
            throw AirlockException.malformed(base.getRawAuthority() + " named a next page of " + what + " that is not a URI: " + target);
        }
        if (next.getHost() == null || !next.getHost().equalsIgnoreCase(base.getHost()) 
                || (next.getPort() != -1 && next.getPort() != port(base))) {
            throw AirlockException.malformed(base.getRawAuthority() + " named the next page of " + what + " on another host ("
                    + next.getRawAuthority() + "); refusing to follow it there with this registry's credentials");
        }
        String rest = next.getRawPath() + (next.getRawQuery() == null ? "" : "?" + next.getRawQuery());
        return base.resolve(rest.startsWith("/") ? rest : "/" + rest);
    }

    /** The port {@code u} names, else its scheme's (a link without a port means the registry's own). */
    private static int port(URI u) {
        if (u.getPort() != -1) {
            return u.getPort();
        }
        return u.getScheme() != null && u.getScheme().toLowerCase(Locale.ROOT).equals("http") ? 80 : 443;
    }
}
