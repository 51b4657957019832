package dev.keelson.scheduler.framework;

import io.fabric8.kubernetes.api.model.Quantity;
import java.math.BigDecimal;
import java.math.RoundingMode;

/** Converts Kubernetes quantities to the integer units the scheduler counts in (millicores, bytes, counts). */
public final class Quantities {
    private static final BigDecimal THOUSAND = BigDecimal.valueOf(1000);

    private Quantities() {}

    /** CPU in millicores, rounded up as Kubernetes' MilliValue does. */
    public static long milliValue(Quantity q) {
        if (q == null) {
            return 0;
        }
        return Quantity.getAmountInBytes(q).multiply(THOUSAND).setScale(0, RoundingMode.CEILING).longValueExact();
    }

    /** Memory, storage and counts as whole units, rounded up as Kubernetes' Value does. */
    public static long value(Quantity q) {
        if (q == null) {
            return 0;
        }
        return Quantity.getAmountInBytes(q).setScale(0, RoundingMode.CEILING).longValueExact();
    }
}
