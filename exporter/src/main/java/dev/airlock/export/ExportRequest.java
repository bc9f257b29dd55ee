package dev.airlock.export;

import java.nio.file.Path;
import java.util.List;

/**
 * What to export: image references, the channel, the signing key and where the bundle goes.
 *
 * @param keyFiles one or more secret keys; each signs bundle.json (for m-of-n trust policies)
 * @param passphrase the signing keys' passphrase, or null for an unprotected key
 * @param stateDir the exporter's ledger directory
 */
public record ExportRequest(List<String> images, String channel, List<Path> keyFiles, char[] passphrase, Path outDir, Path stateDir) {
}
