package dev.keelson.apiserver.admission;

import dev.keelson.apiserver.auth.Authenticator;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Who made an API request and the warnings it collects on its way (answered as HTTP {@code Warning: 299} headers).
 * A write without a context is the apiserver's own (bootstrap objects) and is not admitted, as kube-apiserver's
 * storage-level writes are not.
 */
public record RequestContext(Authenticator.User user, List<String> warnings) {

    public static RequestContext of(Authenticator.User user, List<String> warnings) {
        return new RequestContext(user, Collections.synchronizedList(new ArrayList<>(warnings)));
    }

    public void warn(String warning) {
        if (!warnings.contains(warning)) {
            warnings.add(warning);
        }
    }
}
