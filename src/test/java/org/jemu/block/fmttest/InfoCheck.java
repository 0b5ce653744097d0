package org.jemu.block.fmttest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Compares our formatSpecificInfo() with qemu-img's "format-specific" JSON. */
final class InfoCheck {
    static void compareFormatSpecific(JsonNode q, Map<String, Object> ours, String what) {
        if (q == null || q.isNull()) {
            assertTrue(ours.isEmpty(), what + ": qemu-img prints no format-specific info, we have " + ours);
            return;
        }
        JsonNode mine;
        try {
            ObjectMapper om = new ObjectMapper();
            mine = om.readTree(om.writeValueAsString(ours));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new AssertionError(e);
        }
        assertEquals(q.get("data"), mine, what + ": format-specific info");
    }
}
