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
    /**
     * The default of SECURE_BINARIES_ANALYZERS in GitLab's Secure-Binaries template, in its order,
     * each with the SECURE_BINARIES_ANALYZER_VERSION its job sets (the template at commit
     * e2bccff3b908a16c9c92735d46277956fc935a8c of a mirror of gitlab-org/gitlab).
     */
    static final Map<String, String> TEMPLATE = templateVersions();
    static final List<String> TEMPLATE_LIST = List.copyOf(TEMPLATE.keySet());

    private static Map<String, String> templateVersions() {
        Map<String, String> m = new java.util.LinkedHashMap<>();
        String[] pairs = {"bandit", "2", "brakeman", "4", "gosec", "3", "gitlab-advanced-sast", "1", "spotbugs", "5", "flawfinder", "4",
            "phpcs-security-audit", "4", "security-code-scan", "3", "nodejs-scan", "4", "eslint", "2", "secrets", "6", "sobelow", "5",
            "pmd-apex", "5", "kics", "5", "kubesec", "5", "semgrep", "5", "gemnasium", "6", "gemnasium-maven", "6", "gemnasium-python", "6",
            "license-finder", "4", "dast", "6", "dast-runner-validation", "1", "api-security", "6"};
        for (int i = 0; i < pairs.length; i += 2) {
            m.put(pairs[i], pairs[i + 1]);
        }
        return java.util.Collections.unmodifiableMap(m);
    }

    private static GitlabSecure.Expansion env(Map<String, String> env) {
        return GitlabSecure.resolve(GitlabSecure.Settings.NONE, GitlabSecure.Settings.NONE, env);
    }

    private static AirlockException refused(Map<String, String> env) {
        return assertThrows(AirlockException.class, () -> env(env));
    }

    @Test
    void nothingSet_expandsTheTemplatesFullList_fromGitlab_eachAtItsOwnVersion_onChannelGitlabSecure() {
        GitlabSecure.Expansion e = env(Map.of());
        assertEquals(TEMPLATE_LIST.stream().map(n -> "registry.gitlab.com/security-products/" + n + ":" + TEMPLATE.get(n)).toList(),
                e.images());
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
    void versionUnset_eachAnalyzerTakesTheTemplatesVersionForIt_unlistedOnesTheTemplatesGlobal2_andAVersionGivenForAllWins() {
        GitlabSecure.Expansion e = env(Map.of(GitlabSecure.ANALYZERS, "semgrep,gosec,secrets,dast-runner-validation,my-own-analyzer"));
        String sp = "registry.gitlab.com/security-products/";
        assertEquals(List.of(sp + "semgrep:5", sp + "gosec:3", sp + "secrets:6", sp + "dast-runner-validation:1", sp + "my-own-analyzer:2"),
                e.images());
        assertTrue(e.analyzers().get(0).listed());
        assertFalse(e.analyzers().get(4).listed());
        assertEquals(Map.of(), e.retired());

        // SECURE_BINARIES_ANALYZER_VERSION, --analyzer-version or analyzerVersion: one tag for all, over each one's own
        Map<String, String> all = Map.of(GitlabSecure.ANALYZERS, "semgrep,gosec,my-own-analyzer", GitlabSecure.ANALYZER_VERSION, "7");
        assertEquals(List.of(sp + "semgrep:7", sp + "gosec:7", sp + "my-own-analyzer:7"), env(all).images());
        assertEquals(List.of(sp + "semgrep:8", sp + "gosec:8", sp + "my-own-analyzer:8"), GitlabSecure.resolve(
                new GitlabSecure.Settings(null, "8", null, null, null), GitlabSecure.Settings.NONE, all).images());
        assertEquals(List.of(sp + "gosec:9"), GitlabSecure.resolve(GitlabSecure.Settings.NONE,
                new GitlabSecure.Settings(List.of("gosec"), "9", null, null, null), Map.of()).images());
    }

    @Test
    void aNameTheTemplateNoLongerLists_isStillAnAnalyzer_andSaysWhyItIsGone() {
        GitlabSecure.Expansion e = env(Map.of(GitlabSecure.ANALYZERS, "clair-vulnerabilities-db,klar,semgrep"));
        assertEquals(List.of("registry.gitlab.com/security-products/clair-vulnerabilities-db:2", "registry.gitlab.com/security-products/klar:2",
                "registry.gitlab.com/security-products/semgrep:5"), e.images());
        assertTrue(e.retired().get("clair-vulnerabilities-db").startsWith("no longer in GitLab's Secure-Binaries template"),
                e.retired().toString());
        assertTrue(e.retired().get("clair-vulnerabilities-db").endsWith("gemnasium,gemnasium-maven,gemnasium-python"), e.retired().toString());
        assertEquals(2, e.retired().size());
        assertFalse(TEMPLATE_LIST.contains("clair-vulnerabilities-db"));
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
            assertEquals(1, data.lines().filter(l -> l.equals("  " + n + ": \"" + TEMPLATE.get(n) + "\"")).count(), n);
        }
        assertTrue(data.contains("Secure-Binaries.gitlab-ci.yml") && data.contains("e2bccff3b908a16c9c92735d46277956fc935a8c"),
                "the data file names the template version its tags come from");
    }
}
