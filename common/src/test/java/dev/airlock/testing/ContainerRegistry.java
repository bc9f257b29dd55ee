package dev.airlock.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.MountableFile;

/**
 * The fallback when {@code docker-registry} is not installed but a Docker engine runs: the same
 * registry, as the {@code registry:2} image, with the same TLS and htpasswd setup.
 */
final class ContainerRegistry {
    private ContainerRegistry() {
    }

    static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (Throwable t) {
            return false;
        }
    }

    @SuppressWarnings("resource")
    static TestRegistry start(Path dir, boolean tls) throws Exception {
        Files.createDirectories(dir);
        GenericContainer<?> c = new GenericContainer<>("registry:2")
                .withExposedPorts(5000)
                .withEnv("REGISTRY_STORAGE_DELETE_ENABLED", "true")
                .waitingFor(Wait.forListeningPort());
        TestCa ca = null;
        if (tls) {
            ca = TestCa.create(dir.resolve("tls"));
            Path htpasswd = dir.resolve("htpasswd");
            Files.writeString(htpasswd, Htpasswd.line(TestRegistry.USER, TestRegistry.PASSWORD));
            c.withCopyFileToContainer(MountableFile.forHostPath(ca.serverCertPem), "/certs/server.pem")
                    .withCopyFileToContainer(MountableFile.forHostPath(ca.serverKeyPem), "/certs/server.key")
                    .withCopyFileToContainer(MountableFile.forHostPath(htpasswd), "/auth/htpasswd")
                    .withEnv("REGISTRY_HTTP_TLS_CERTIFICATE", "/certs/server.pem")
                    .withEnv("REGISTRY_HTTP_TLS_KEY", "/certs/server.key")
                    .withEnv("REGISTRY_AUTH", "htpasswd")
                    .withEnv("REGISTRY_AUTH_HTPASSWD_REALM", "airlock-test")
                    .withEnv("REGISTRY_AUTH_HTPASSWD_PATH", "/auth/htpasswd");
        }
        c.start();
        return new TestRegistry("127.0.0.1:" + c.getMappedPort(5000), dir, ca, c::stop);
    }
}
