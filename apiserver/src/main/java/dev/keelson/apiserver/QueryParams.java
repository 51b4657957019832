package dev.keelson.apiserver;

/** Query parameters read as kube-apiserver's parameter codec reads them. */
public final class QueryParams {
    private QueryParams() {}

    /**
     * A boolean parameter (apimachinery's {@code Convert_Slice_string_To_bool}): absent is false, {@code 0} and
     * {@code false} in any case are false, and every other value is true, the empty one ({@code ?watch}) and
     * {@code True} (Python clients) included. Routing and authorization must both read a parameter this way, or a
     * request authorized as a list could be served as a watch.
     */
    public static boolean bool(String v) {
        return v != null && !"0".equals(v) && !"false".equalsIgnoreCase(v);
    }
}
