package dev.airlock.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import dev.airlock.error.AirlockException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a config file may not do silently: hold a second document, round a fraction, or have its lines printed. */
class ConfigYamlTest {
    /** A stand-in for the programs' configs: a whole number, a text. */
    public record Settings(Integer threshold, String channel) {
    }

    private static final ObjectMapper YAML = ConfigYaml.mapper();

    @TempDir
    Path tmp;

    private Settings read(String text) throws Exception {
        return ConfigYaml.read(Files.writeString(tmp.resolve("c.yaml"), text), YAML, Settings.class);
    }

    @Test
    void aSecondDocument_isRefused_namingItsLine_notSilentlyIgnored() throws Exception {
        AirlockException e = assertThrows(AirlockException.class, () -> read("channel: first\n---\nchannel: second\n"));
        assertEquals(AirlockException.Kind.USAGE, e.kind());
        assertTrue(e.getMessage().contains("holds more than one YAML document") && e.getMessage().contains("line 3"), e.getMessage());
        assertEquals("first", read("channel: first\n").channel());
    }

    @Test
    void aFractionWhereAWholeNumberIsMeant_isRefused_notRounded() throws Exception {
        // threshold: 1.9 read as 1 would be a weaker trust policy than the one written.
        assertThrows(JsonMappingException.class, () -> read("threshold: 1.9\n"));
        assertEquals(2, read("threshold: 2\n").threshold());
    }

    @Test
    void aFileThatIsNoConfig_hasNoLineOfItsPrinted_andKeysWithControlCharactersAreNotEchoed() throws Exception {
        UnrecognizedPropertyException e = assertThrows(UnrecognizedPropertyException.class,
                () -> read("\"root:$y$j9T$secret:20000:0:99999:7:::\": x\n"));
        String shown = ConfigYaml.shownKey(e.getPropertyName());
        assertFalse(shown.contains("secret"), shown);
        assertFalse(ConfigYaml.shownKey("chan\u001b[2Jnel").contains("\u001b"));
        assertEquals("'threshold'", ConfigYaml.shownKey("threshold"));
        assertFalse(ConfigYaml.shownValue("a\nb").contains("\n"));
    }
}
