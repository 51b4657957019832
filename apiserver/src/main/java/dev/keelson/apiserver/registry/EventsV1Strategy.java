package dev.keelson.apiserver.registry;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.printers.CorePrinters;
import dev.keelson.apiserver.printers.TablePrinter;
import dev.keelson.apiserver.validation.Errs;
import dev.keelson.apiserver.validation.EventValidation;
import io.fabric8.kubernetes.api.model.events.v1.Event;

/** events.k8s.io/v1 Events (stored apart from core/v1 Events). */
public final class EventsV1Strategy extends Strategy {
    public EventsV1Strategy() {
        super(Registration.namespaced("events.k8s.io/v1", "Event", "events", Event.class).storedUnder("events.k8s.io/events"));
    }

    @Override
    protected void validate(Errs e, ObjectNode obj) {
        EventValidation.eventsV1(e, obj, type().namespaced());
    }

    @Override
    public TablePrinter printer() {
        return CorePrinters.EVENTS_V1;
    }
}
