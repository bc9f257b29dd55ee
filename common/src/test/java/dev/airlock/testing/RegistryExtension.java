package dev.airlock.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives a test method a {@link Registries}: each call to {@code plain()} or {@code tls()} starts a
 * fresh real registry on a free loopback port, stopped after the test. A {@code @BeforeAll} method
 * may take one too: its registries are stopped after the last test of the class. Uses Debian's
 * {@code docker-registry}; without it, {@code registry:2} through Testcontainers if a Docker
 * engine runs; otherwise the test is skipped with a message saying what to install.
 */
public final class RegistryExtension implements ParameterResolver, AfterEachCallback, AfterAllCallback {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(RegistryExtension.class);

    /** Registries for one test. */
    public static final class Registries implements AutoCloseable {
        private final List<TestRegistry> started = new ArrayList<>();
        private final Path base;

        Registries(Path base) {
            this.base = base;
        }

        /** A new plain-HTTP registry. */
        public TestRegistry plain() throws Exception {
            return start(false);
        }

        /** A new HTTPS registry with a test CA and htpasswd basic auth. */
        public TestRegistry tls() throws Exception {
            return start(true);
        }

        private TestRegistry start(boolean tls) throws Exception {
            Path dir = base.resolve("registry-" + started.size());
            TestRegistry r;
            if (TestRegistry.binaryAvailable()) {
                r = TestRegistry.startProcess(dir, tls);
            } else {
                r = ContainerRegistry.start(dir, tls);
            }
            started.add(r);
            return r;
        }

        @Override
        public void close() throws Exception {
            for (TestRegistry r : started) {
                r.close();
            }
            started.clear();
            // Registries store real blobs (a GiB in the large test): leave nothing behind.
            if (Files.exists(base)) {
                try (var walk = Files.walk(base)) {
                    walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext p, ExtensionContext c) {
        return p.getParameter().getType() == Registries.class;
    }

    @Override
    public Object resolveParameter(ParameterContext p, ExtensionContext c) {
        if (!TestRegistry.binaryAvailable() && !ContainerRegistry.dockerAvailable()) {
            Assumptions.abort("integration test skipped: it needs a real registry. Install Debian's docker-registry "
                    + "(apt-get install docker-registry), or run a Docker engine for registry:2");
        }
        try {
            Path base = Files.createTempDirectory("airlock-registries");
            Registries r = new Registries(base);
            c.getStore(NS).put("registries", r);
            return r;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void afterEach(ExtensionContext c) throws Exception {
        Registries r = c.getStore(NS).remove("registries", Registries.class);
        if (r != null) {
            r.close();
        }
    }

    @Override
    public void afterAll(ExtensionContext c) throws Exception {
        afterEach(c); // the class-level store holds the registries of a @BeforeAll method
    }
}
