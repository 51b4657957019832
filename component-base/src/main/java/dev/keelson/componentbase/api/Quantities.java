package dev.keelson.componentbase.api;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.Map;
import java.util.Optional;

/**
 * Kubernetes resource quantities ({@code 100m}, {@code 1.5}, {@code 1Gi}, {@code 500M}, {@code 1e3}): parsing to an exact
 * {@link BigDecimal} and printing in Kubernetes' canonical form. Used by validation, printers and the scheduler.
 */
public final class Quantities {

    /** Kubernetes' own error text for a string that is not a quantity. */
    public static final String FORMAT_ERROR =
            "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
    public static final String SUFFIX_ERROR = "unable to parse quantity's suffix";

    private static final int NANO_SCALE = 9;
    private static final BigInteger KI = BigInteger.valueOf(1024);
    private static final Map<String, Integer> DECIMAL_SUFFIXES = Map.of(
            "n", -9, "u", -6, "m", -3, "", 0, "k", 3, "M", 6, "G", 9, "T", 12, "P", 15, "E", 18);
    private static final Map<String, Integer> BINARY_SUFFIXES = Map.of(
            "Ki", 1, "Mi", 2, "Gi", 3, "Ti", 4, "Pi", 5, "Ei", 6);
    private static final String[] DECIMAL_BY_EXP = {"n", "u", "m", "", "k", "M", "G", "T", "P", "E"};
    private static final String[] BINARY_BY_EXP = {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};

    /** How a quantity was written, which decides how it is printed back. */
    public enum Format { DECIMAL_SI, BINARY_SI, DECIMAL_EXPONENT }

    /** A parsed quantity: its exact value (rounded up to nano precision, as Kubernetes does) and its format. */
    public record Quantity(BigDecimal value, Format format) implements Comparable<Quantity> {

        /** Kubernetes' canonical text, e.g. {@code 1000m -> 1}, {@code 1024Mi -> 1Gi}, {@code 0.5 -> 500m}. */
        public String canonical() {
            return Quantities.canonical(value, format);
        }

        /** The value in thousandths, rounded up (what Kubernetes' MilliValue returns). */
        public long milliValue() {
            return value.movePointRight(3).setScale(0, RoundingMode.CEILING).longValueExact();
        }

        /** The value rounded up to a whole number (what Kubernetes' Value returns). */
        public long longValue() {
            return value.setScale(0, RoundingMode.CEILING).longValueExact();
        }

        @Override
        public int compareTo(Quantity o) {
            return value.compareTo(o.value);
        }

        @Override
        public String toString() {
            return canonical();
        }
    }

    private Quantities() {
    }

    /** A model quantity in thousandths, rounded up as Kubernetes' MilliValue does (CPU in millicores); null is 0. */
    public static long milliValue(io.fabric8.kubernetes.api.model.Quantity q) {
        return q == null ? 0 : parseQuantity(q.toString()).milliValue();
    }

    /** A model quantity as a whole number, rounded up as Kubernetes' Value does (bytes, counts); null is 0. */
    public static long value(io.fabric8.kubernetes.api.model.Quantity q) {
        return q == null ? 0 : parseQuantity(q.toString()).longValue();
    }

    /** The exact value of {@code text}; throws {@link IllegalArgumentException} with Kubernetes' message if malformed. */
    public static BigDecimal parse(String text) {
        return parseQuantity(text).value();
    }

    public static Optional<Quantity> tryParse(String text) {
        try {
            return Optional.of(parseQuantity(text));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    public static Quantity parseQuantity(String text) {
        if (text == null || text.isEmpty()) {
            throw new IllegalArgumentException(FORMAT_ERROR);
        }
        int i = 0;
        boolean negative = false;
        if (text.charAt(0) == '+' || text.charAt(0) == '-') {
            negative = text.charAt(0) == '-';
            i++;
        }
        int numStart = i;
        boolean seenDot = false;
        int digits = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c >= '0' && c <= '9') {
                digits++;
            } else if (c == '.' && !seenDot) {
                seenDot = true;
            } else {
                break;
            }
            i++;
        }
        if (digits == 0) {
            throw new IllegalArgumentException(FORMAT_ERROR);
        }
        String number = text.substring(numStart, i);
        String suffix = text.substring(i);
        BigDecimal value = new BigDecimal(number.startsWith(".") ? "0" + number : number.endsWith(".") ? number + "0" : number);
        Format format;
        if (BINARY_SUFFIXES.containsKey(suffix)) {
            format = Format.BINARY_SI;
            value = value.multiply(new BigDecimal(KI.pow(BINARY_SUFFIXES.get(suffix))));
        } else if (DECIMAL_SUFFIXES.containsKey(suffix)) {
            format = Format.DECIMAL_SI;
            value = value.scaleByPowerOfTen(DECIMAL_SUFFIXES.get(suffix));
        } else if (suffix.startsWith("e") || suffix.startsWith("E")) {
            String exp = suffix.substring(1);
            if (!exp.matches("[-+]?[0-9]+")) {
                throw new IllegalArgumentException(exp.matches("[-+]?[0-9]*") ? SUFFIX_ERROR : FORMAT_ERROR);
            }
            int exponent;
            try {
                exponent = Integer.parseInt(exp);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(SUFFIX_ERROR);
            }
            format = Format.DECIMAL_EXPONENT;
            value = value.scaleByPowerOfTen(exponent);
        } else {
            throw new IllegalArgumentException(suffix.matches("[eEinumkKMGTP]*[-+]?[0-9]*") ? SUFFIX_ERROR : FORMAT_ERROR);
        }
        if (value.signum() != 0 && value.precision() - value.scale() <= -NANO_SCALE) {
            // below one nano: rounded up to it without computing 10^scale, which for 1e-999999999 would not end
            value = BigDecimal.ONE.movePointLeft(NANO_SCALE);
        } else if (value.scale() > NANO_SCALE) {
            value = value.setScale(NANO_SCALE, RoundingMode.UP);
        }
        return new Quantity(negative ? value.negate() : value, format);
    }

    /** The canonical text of {@code text}, e.g. {@code canonical("1024Mi")} is {@code "1Gi"}. */
    public static String canonical(String text) {
        return parseQuantity(text).canonical();
    }

    /** The canonical text of an exact value printed in {@code format}. */
    public static String canonical(BigDecimal value, Format format) {
        if (value.signum() == 0) {
            return "0";
        }
        if (format == Format.BINARY_SI) {
            boolean small = value.abs().compareTo(new BigDecimal(KI)) < 0;
            boolean whole = value.stripTrailingZeros().scale() <= 0;
            if (!small && whole) {
                BigInteger n = value.toBigIntegerExact();
                int exp = 0;
                while (exp < BINARY_BY_EXP.length - 1 && n.mod(KI).signum() == 0) {
                    n = n.divide(KI);
                    exp++;
                }
                return n + BINARY_BY_EXP[exp];
            }
            format = Format.DECIMAL_SI;
        }
        BigDecimal stripped = value.stripTrailingZeros();
        int exp = Math.floorDiv(-stripped.scale(), 3) * 3;
        // the exponent form keeps large exponents as they are (3e811815): padding the mantissa with zeros up to
        // e18 would compute a number of that many digits
        exp = Math.max(-NANO_SCALE, format == Format.DECIMAL_EXPONENT ? exp : Math.min(exp, 18));
        BigInteger mantissa = stripped.scaleByPowerOfTen(-exp).toBigIntegerExact();
        if (format == Format.DECIMAL_EXPONENT) {
            return exp == 0 ? mantissa.toString() : mantissa + "e" + exp;
        }
        return mantissa + DECIMAL_BY_EXP[exp / 3 + 3];
    }
}
