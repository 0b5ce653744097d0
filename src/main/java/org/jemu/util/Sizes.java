package org.jemu.util;

import java.math.BigDecimal;

/** QEMU's size syntax: a number with an optional suffix k/K, M, G, T, P, E (powers of 1024), or B for bytes. */
public final class Sizes {
    private Sizes() {}

    /** Parses a size; a bare number means bytes. */
    public static long parse(String text, String what) {
        return parse(text, what, 1);
    }

    /** Parses a size; a bare number is multiplied by {@code defaultUnit} (e.g. -m takes MiB). */
    public static long parse(String text, String what, long defaultUnit) {
        String t = text.trim();
        if (t.isEmpty()) throw new OptionException("Parameter '" + what + "' expects a size");
        char last = t.charAt(t.length() - 1);
        long mul = defaultUnit;
        if (Character.isLetter(last)) {
            mul = switch (Character.toUpperCase(last)) {
                case 'B' -> 1L;
                case 'K' -> 1L << 10;
                case 'M' -> 1L << 20;
                case 'G' -> 1L << 30;
                case 'T' -> 1L << 40;
                case 'P' -> 1L << 50;
                case 'E' -> 1L << 60;
                default -> throw new OptionException("Parameter '" + what + "' expects a size; invalid suffix in '" + text + "'");
            };
            t = t.substring(0, t.length() - 1);
        }
        try {
            BigDecimal v = new BigDecimal(t).multiply(BigDecimal.valueOf(mul));
            if (v.signum() < 0) throw new OptionException("Parameter '" + what + "' expects a non-negative size");
            BigDecimal whole = v.setScale(0, java.math.RoundingMode.DOWN);
            if (whole.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
                throw new OptionException("Parameter '" + what + "' is too large: " + text);
            }
            return whole.longValueExact();
        } catch (NumberFormatException | ArithmeticException e) {
            throw new OptionException("Parameter '" + what + "' expects a size, got '" + text + "'");
        }
    }
}
