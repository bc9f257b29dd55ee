package dev.airlock.registry;

import dev.airlock.error.AirlockException;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;

/** TLS trust: the system store, plus the CAs of a PEM file when one is given. */
final class Tls {
    private Tls() {
    }

    static SSLContext context(Path caFile) {
        try {
            if (caFile == null) {
                // The system store is loaded on the first TLS handshake, not at start-up: a run
                // that only speaks plain HTTP to loopback registries never pays for it.
                SSLContext ctx = SSLContext.getInstance("TLS");
                ctx.init(null, new TrustManager[] {new LazySystemTrustManager()}, null);
                return ctx;
            }
            X509ExtendedTrustManager system = trustManager(null);
            KeyStore extra = KeyStore.getInstance(KeyStore.getDefaultType());
            extra.load(null, null);
            Collection<? extends Certificate> certs;
            try (InputStream in = Files.newInputStream(caFile)) {
                certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
            }
            if (certs.isEmpty()) {
                throw AirlockException.usage("CA file " + caFile + " holds no PEM certificate");
            }
            int i = 0;
            for (Certificate c : certs) {
                extra.setCertificateEntry("ca-" + i++, c);
            }
            X509ExtendedTrustManager given = trustManager(extra);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {new EitherTrustManager(given, system)}, null);
            return ctx;
        } catch (IOException e) {
            throw AirlockException.usage("cannot read CA file " + caFile + ": " + e.getMessage());
        } catch (GeneralSecurityException e) {
            throw AirlockException.usage("CA file " + caFile + " is not usable: " + e.getMessage());
        }
    }

    private static X509ExtendedTrustManager trustManager(KeyStore store) throws GeneralSecurityException {
        TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        f.init(store);
        for (TrustManager tm : f.getTrustManagers()) {
            if (tm instanceof X509ExtendedTrustManager x) {
                return x;
            }
        }
        throw new GeneralSecurityException("no X509 trust manager");
    }

    /** The system trust store, loaded when first needed. */
    private static final class LazySystemTrustManager extends X509ExtendedTrustManager {
        private volatile X509ExtendedTrustManager delegate;

        private X509ExtendedTrustManager get() throws CertificateException {
            X509ExtendedTrustManager d = delegate;
            if (d == null) {
                try {
                    d = trustManager(null);
                } catch (GeneralSecurityException e) {
                    throw new CertificateException("cannot load the system trust store: " + e.getMessage(), e);
                }
                delegate = d;
            }
            return d;
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            get().checkServerTrusted(chain, authType, engine);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            get().checkServerTrusted(chain, authType, socket);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            get().checkServerTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            throw new CertificateException("client certificates are not checked here");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            throw new CertificateException("client certificates are not checked here");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("client certificates are not checked here");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            try {
                return get().getAcceptedIssuers();
            } catch (CertificateException e) {
                return new X509Certificate[0];
            }
        }
    }

    /** Trusts a chain that either the given CAs or the system store accept; hostname checks stay on. */
    private static final class EitherTrustManager extends X509ExtendedTrustManager {
        private final X509ExtendedTrustManager first;
        private final X509ExtendedTrustManager second;

        EitherTrustManager(X509ExtendedTrustManager first, X509ExtendedTrustManager second) {
            this.first = first;
            this.second = second;
        }

        private interface Check {
            void run(X509ExtendedTrustManager tm) throws CertificateException;
        }

        private void either(Check check) throws CertificateException {
            try {
                check.run(first);
            } catch (CertificateException e) {
                check.run(second);
            }
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            either(tm -> tm.checkServerTrusted(chain, authType, engine));
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            either(tm -> tm.checkServerTrusted(chain, authType, socket));
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            either(tm -> tm.checkServerTrusted(chain, authType));
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            throw new CertificateException("client certificates are not checked here");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            throw new CertificateException("client certificates are not checked here");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("client certificates are not checked here");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            X509Certificate[] a = first.getAcceptedIssuers();
            X509Certificate[] b = second.getAcceptedIssuers();
            X509Certificate[] all = new X509Certificate[a.length + b.length];
            System.arraycopy(a, 0, all, 0, a.length);
            System.arraycopy(b, 0, all, a.length, b.length);
            return all;
        }
    }
}
