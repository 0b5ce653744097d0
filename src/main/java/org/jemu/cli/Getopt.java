package org.jemu.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * getopt_long as qemu-img uses it: short options from a spec like "f:o:q" (':' = takes an argument),
 * long options (name → takes-argument), GNU permutation (options may follow file names), "--" ends
 * options. Errors carry glibc's wording.
 */
final class Getopt {
    record Opt(String name, String arg) {}

    final List<Opt> opts = new ArrayList<>();
    final List<String> args = new ArrayList<>();

    static final class Error extends RuntimeException {
        Error(String m) { super(m, null, false, false); }
    }

    Getopt(String[] argv, int from, String shortSpec, Map<String, Boolean> longs) {
        for (int i = from; i < argv.length; i++) {
            String a = argv[i];
            if (a.equals("--")) { for (i++; i < argv.length; i++) args.add(argv[i]); break; }
            if (a.startsWith("--")) {
                String name = a.substring(2), val = null;
                int eq = name.indexOf('=');
                if (eq >= 0) { val = name.substring(eq + 1); name = name.substring(0, eq); }
                Boolean hasArg = longs.get(name);
                if (hasArg == null) throw new Error("unrecognized option '" + a + "'");
                if (hasArg && val == null) {
                    if (i + 1 >= argv.length) throw new Error("missing argument for option '--" + name + "'");
                    val = argv[++i];
                } else if (!hasArg && val != null) throw new Error("unrecognized option '" + a + "'");
                opts.add(new Opt(name, val));
            } else if (a.startsWith("-") && a.length() > 1) {
                for (int j = 1; j < a.length(); j++) {
                    char c = a.charAt(j);
                    int k = shortSpec.indexOf(c);
                    if (k < 0 || c == ':') {
                        // qemu-img prints argv[optind - 1], which is this word only when c ends it
                        throw new Error("unrecognized option '" + (j == a.length() - 1 ? a : argv[i - 1]) + "'");
                    }
                    boolean hasArg = k + 1 < shortSpec.length() && shortSpec.charAt(k + 1) == ':';
                    if (hasArg) {
                        String v;
                        if (j + 1 < a.length()) v = a.substring(j + 1);
                        else if (i + 1 < argv.length) v = argv[++i];
                        else throw new Error("missing argument for option '-" + c + "'");
                        opts.add(new Opt(String.valueOf(c), v));
                        break;
                    }
                    opts.add(new Opt(String.valueOf(c), null));
                }
            } else args.add(a);
        }
    }
}
