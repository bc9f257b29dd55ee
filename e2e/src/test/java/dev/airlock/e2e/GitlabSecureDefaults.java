package dev.airlock.e2e;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The default of SECURE_BINARIES_ANALYZERS in GitLab's Secure-Binaries template, in its order, each
 * with the SECURE_BINARIES_ANALYZER_VERSION its job sets (the template at commit
 * e2bccff3b908a16c9c92735d46277956fc935a8c of a mirror of gitlab-org/gitlab).
 */
final class GitlabSecureDefaults {
    static final Map<String, String> TAGS = tags("bandit", "2", "brakeman", "4", "gosec", "3", "gitlab-advanced-sast", "1", "spotbugs", "5",
            "flawfinder", "4", "phpcs-security-audit", "4", "security-code-scan", "3", "nodejs-scan", "4", "eslint", "2", "secrets", "6",
            "sobelow", "5", "pmd-apex", "5", "kics", "5", "kubesec", "5", "semgrep", "5", "gemnasium", "6", "gemnasium-maven", "6",
            "gemnasium-python", "6", "license-finder", "4", "dast", "6", "dast-runner-validation", "1", "api-security", "6");
    static final List<String> LIST = List.copyOf(TAGS.keySet());
    /** The analyzers that carry GitLab's advisory database: the daily "database" channel. */
    static final List<String> DATABASE = List.of("gemnasium", "gemnasium-maven", "gemnasium-python");

    private GitlabSecureDefaults() {
    }

    private static Map<String, String> tags(String... pairs) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            m.put(pairs[i], pairs[i + 1]);
        }
        return Collections.unmodifiableMap(m);
    }
}
