package dev.airlock.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives a test method a {@link TestSshd}: OpenSSH's real sshd on a free loopback port, started for
 * the test and stopped after it, its files removed. Without {@code /usr/sbin/sshd} the test is
 * skipped with a message saying to install openssh-server.
 */
public final class SshdExtension implements ParameterResolver, AfterEachCallback {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(SshdExtension.class);

    @Override
    public boolean supportsParameter(ParameterContext p, ExtensionContext c) {
        return p.getParameter().getType() == TestSshd.class;
    }

    @Override
    public Object resolveParameter(ParameterContext p, ExtensionContext c) {
        if (!TestSshd.available()) {
            Assumptions.abort("SFTP test skipped: it needs OpenSSH's sshd and ssh-keygen as the bastion. Install Debian's "
                    + "openssh-server (apt-get install openssh-server)");
        }
        try {
            Path dir = Files.createTempDirectory("airlock-sshd");
            TestSshd sshd = TestSshd.start(dir);
            c.getStore(NS).put("sshd", new Started(sshd, dir));
            return sshd;
        } catch (Exception e) {
            throw new IllegalStateException("cannot start sshd: " + e.getMessage(), e);
        }
    }

    @Override
    public void afterEach(ExtensionContext c) throws Exception {
        Started s = c.getStore(NS).remove("sshd", Started.class);
        if (s != null) {
            s.sshd.close();
            try (var walk = Files.walk(s.dir)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    private record Started(TestSshd sshd, Path dir) {
    }
}
