package dev.keelson.scheduler.framework;

import java.util.List;

/** Why a filter plugin rejected a node: the plugin's name and one or more reasons, as Kubernetes' Status carries them. */
public record FilterResult(String plugin, List<String> reasons) {
    public static FilterResult reject(String plugin, String reason) {
        return new FilterResult(plugin, List.of(reason));
    }
}
