package dev.keelson.kubelet.images;

/** Image references and pull policy defaults, as Kubernetes applies them. */
public final class ImagePolicy {
    public static final String ALWAYS = "Always";
    public static final String IF_NOT_PRESENT = "IfNotPresent";
    public static final String NEVER = "Never";

    private ImagePolicy() {}

    /** The policy a container gets when it names none: Always for :latest or no tag (and no digest), else IfNotPresent. */
    public static String effectivePolicy(String image, String declared) {
        if (declared != null && !declared.isEmpty()) {
            if (!declared.equals(ALWAYS) && !declared.equals(IF_NOT_PRESENT) && !declared.equals(NEVER)) {
                throw new IllegalArgumentException("unsupported imagePullPolicy \"" + declared
                        + "\": must be Always, IfNotPresent or Never");
            }
            return declared;
        }
        if (image.contains("@")) {
            return IF_NOT_PRESENT;
        }
        String tag = tagOf(image);
        return tag == null || tag.equals("latest") ? ALWAYS : IF_NOT_PRESENT;
    }

    /** The tag of a reference, or null: a ':' after the last '/' separates it (before that it is a registry port). */
    public static String tagOf(String image) {
        String withoutDigest = image.contains("@") ? image.substring(0, image.indexOf('@')) : image;
        int slash = withoutDigest.lastIndexOf('/');
        int colon = withoutDigest.lastIndexOf(':');
        return colon > slash ? withoutDigest.substring(colon + 1) : null;
    }

    /** The reference Docker stores and pulls: ":latest" added when neither tag nor digest is given. */
    public static String normalize(String image) {
        if (image.contains("@") || tagOf(image) != null) {
            return image;
        }
        return image + ":latest";
    }

    /** The registry host of a reference, or docker.io when the first component is not a host. */
    public static String registryOf(String image) {
        int slash = image.indexOf('/');
        if (slash < 0) {
            return "docker.io";
        }
        String first = image.substring(0, slash);
        if (first.contains(".") || first.contains(":") || first.equals("localhost")) {
            return first;
        }
        return "docker.io";
    }
}
