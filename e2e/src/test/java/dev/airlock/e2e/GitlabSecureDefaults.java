package dev.airlock.e2e;

import java.util.List;

/** The default of SECURE_BINARIES_ANALYZERS in GitLab's Secure-Binaries template, in its order, as issue 11 lists it. */
final class GitlabSecureDefaults {
    static final List<String> LIST = List.of("bandit", "brakeman", "gosec", "spotbugs", "flawfinder", "phpcs-security-audit",
            "security-code-scan", "nodejs-scan", "eslint", "secrets", "sobelow", "pmd-apex", "kubesec", "semgrep", "gemnasium",
            "gemnasium-maven", "gemnasium-python", "license-finder", "klar", "clair-vulnerabilities-db", "dast");

    private GitlabSecureDefaults() {
    }
}
