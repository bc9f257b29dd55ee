package dev.airlock.export.preset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.airlock.error.AirlockException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GitlabSecureTest {
    /** The default of SECURE_BINARIES_ANALYZERS in GitLab's Secure-Binaries template, as issue 11 lists it. */
    static final List<String> TEMPLATE_LIST = List.of("bandit", "brakeman", "gosec", "spotbugs", "flawfinder", "phpcs-security-audit",
            "security-code-scan", "nodejs-scan", "eslint", "secrets", "sobelow", "pmd-apex", "kubesec", "semgrep", "gemnasium",
            "gemnasium-maven", "gemnasium-python", "license-finder", "klar", "clair-vulnerabilities-db", "dast");

    private static GitlabSecure.Expansion env(Map<String, String> env) {
        return GitlabSecure.resolve(GitlabSecure.Settings.NONE, GitlabSecure.Settings.NONE, env);
    }

    private static AirlockException refused(Map<String, String> env) {
        return assertThrows(AirlockException.class, () -> env(env));
    }

    @Test
    void nothingSet_expandsTheTemplatesFullList_fromGitlab_atTag2_onChannelGitlabSecure() {
        GitlabSecure.Expansion e = env(Map.of());
        assertEquals(TEMPLATE_LIST.stream().map(n -> "registry.gitlab.com/security-products/" + n + ":2").toList(), e.images());
        assertEquals("gitlab-secure", e.channel());
        assertEquals("registry.gitlab.com/security-products", e.sourcePrefix());
        assertTrue(e.downloadImages());
        assertFalse(e.saveArtifacts());
        assertTrue(e.analyzers().stream().allMatch(GitlabSecure.Analyzer::listed));
        assertEquals(Map.of("analyzers", "default", "analyzerVersion", "default", "sourcePrefix", "default", "downloadImages", "default",
                "saveArtifacts", "default"), e.from());
    }

    @Test
    void everyVariableSet_isRead() {
        GitlabSecure.Expansion e = env(Map.of(GitlabSecure.ANALYZERS, " bandit , gosec,semgrep ,bandit", GitlabSecure.ANALYZER_VERSION, " 5 ",
                GitlabSecure.PREFIX, "127.0.0.1:5000/security-products/", GitlabSecure.DOWNLOAD_IMAGES, "TRUE",
                GitlabSecure.SAVE_ARTIFACTS, "false"));
        assertEquals(List.of("127.0.0.1:5000/security-products/bandit:5", "127.0.0.1:5000/security-products/gosec:5",
                "127.0.0.1:5000/security-products/semgrep:5"), e.images());
        assertTrue(e.downloadImages());
        assertFalse(e.saveArtifacts());
        assertEquals(GitlabSecure.ANALYZERS, e.from().get("analyzers"));
        assertEquals(GitlabSecure.PREFIX, e.from().get("sourcePrefix"));
        assertFalse(env(Map.of(GitlabSecure.DOWNLOAD_IMAGES, "false")).downloadImages());
        assertTrue(env(Map.of(GitlabSecure.SAVE_ARTIFACTS, "true")).saveArtifacts());
    }

    @Test
    void flagsOverConfig_overEnvironment() {
        Map<String, String> env = Map.of(GitlabSecure.ANALYZERS, "bandit", GitlabSecure.ANALYZER_VERSION, "3",
                GitlabSecure.PREFIX, "env.example/sp", GitlabSecure.DOWNLOAD_IMAGES, "false");
        GitlabSecure.Settings config = new GitlabSecure.Settings(List.of("gosec", "kubesec"), "4", "config.example/sp", true, null);
        GitlabSecure.Expansion fromConfig = GitlabSecure.resolve(GitlabSecure.Settings.NONE, config, env);
        assertEquals(List.of("config.example/sp/gosec:4", "config.example/sp/kubesec:4"), fromConfig.images());
        assertTrue(fromConfig.downloadImages());
        assertEquals("config", fromConfig.from().get("analyzers"));

        GitlabSecure.Settings flags = new GitlabSecure.Settings(List.of("semgrep, dast"), "5", "flag.example:443/x/sp", null, null);
        GitlabSecure.Expansion fromFlags = GitlabSecure.resolve(flags, config, env);
        assertEquals(List.of("flag.example:443/x/sp/semgrep:5", "flag.example:443/x/sp/dast:5"), fromFlags.images());
        assertEquals("flag", fromFlags.from().get("analyzerVersion"));
    }

    @Test
    void versionUnset_eachAnalyzerTakesItsDefaultTag_unlistedOnesTheDefaultTag() {
        GitlabSecure.Expansion e = env(Map.of(GitlabSecure.ANALYZERS, "semgrep,my-own-analyzer"));
        assertEquals(List.of("registry.gitlab.com/security-products/semgrep:2", "registry.gitlab.com/security-products/my-own-analyzer:2"),
                e.images());
        assertTrue(e.analyzers().get(0).listed());
        assertFalse(e.analyzers().get(1).listed());
    }

    @Test
    void badValues_areRefused_namingTheVariable() {
        AirlockException e = refused(Map.of(GitlabSecure.DOWNLOAD_IMAGES, "maybe"));
        assertEquals(AirlockException.Kind.USAGE, e.kind());
        assertEquals("SECURE_BINARIES_DOWNLOAD_IMAGES='maybe' is neither true nor false", e.getMessage());
        assertTrue(refused(Map.of(GitlabSecure.SAVE_ARTIFACTS, "yes")).getMessage().startsWith("SECURE_BINARIES_SAVE_ARTIFACTS='yes'"));
        assertTrue(refused(Map.of(GitlabSecure.ANALYZERS, " , ,")).getMessage()
                .startsWith("SECURE_BINARIES_ANALYZERS=' , ,' names no analyzer"));
        assertTrue(refused(Map.of(GitlabSecure.ANALYZERS, "")).getMessage().startsWith("SECURE_BINARIES_ANALYZERS='' names no analyzer"));
        assertTrue(refused(Map.of(GitlabSecure.ANALYZERS, "bandit;gosec")).getMessage()
                .startsWith("SECURE_BINARIES_ANALYZERS: 'bandit;gosec' is not an analyzer name"));
        assertTrue(refused(Map.of(GitlabSecure.ANALYZERS, "Bandit")).getMessage().contains("'Bandit' is not an analyzer name"));
        assertTrue(refused(Map.of(GitlabSecure.ANALYZER_VERSION, "v 5")).getMessage()
                .startsWith("SECURE_BINARIES_ANALYZER_VERSION='v 5' is not an image tag"));
        assertTrue(refused(Map.of(GitlabSecure.ANALYZER_VERSION, "")).getMessage().startsWith("SECURE_BINARIES_ANALYZER_VERSION=''"));
        assertTrue(refused(Map.of(GitlabSecure.PREFIX, "https://registry.gitlab.com/security-products")).getMessage()
                .startsWith("SECURE_ANALYZERS_PREFIX='https://registry.gitlab.com/security-products' is not a registry prefix"));
        assertTrue(refused(Map.of(GitlabSecure.PREFIX, "registry.gitlab.com/security-products/semgrep:5")).getMessage()
                .contains("ends in a tag"));
        assertTrue(refused(Map.of(GitlabSecure.PREFIX, "registry.gitlab.com/Security")).getMessage()
                .startsWith("SECURE_ANALYZERS_PREFIX='registry.gitlab.com/Security' is not a registry prefix"));
        // a bad flag value names the flag, not the variable
        AirlockException flag = assertThrows(AirlockException.class, () -> GitlabSecure.resolve(
                new GitlabSecure.Settings(null, "-5", null, null, null), GitlabSecure.Settings.NONE, Map.of()));
        assertTrue(flag.getMessage().startsWith("--analyzer-version='-5'"), flag.getMessage());
    }

    @Test
    void dataFile_isOneLinePerAnalyzer() throws Exception {
        String data = new String(GitlabSecure.class.getResourceAsStream("/presets/gitlab-secure.yaml").readAllBytes());
        for (String n : TEMPLATE_LIST) {
            assertEquals(1, data.lines().filter(l -> l.equals("  " + n + ": \"2\"")).count(), n);
        }
    }
}
