package dev.airlock.export;

import java.nio.file.Path;
import java.util.List;

/**
 * What to export: image references, the channel, the signing key and where the bundle goes.
 *
 * @param passphrase the signing key's passphrase, or null for an unprotected key
 * @param stateDir the exporter's ledger directory
 */
public record ExportRequest(List<String> images, String channel, Path keyFile, char[] passphrase, Path outDir, Path stateDir) {
}
