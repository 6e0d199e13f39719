package analytics.core;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/** The kinds of interaction an event can record, with the names used on the wire. */
public enum InteractionType {
    CLICK("click"),
    VIEW("view"),
    PURCHASE("purchase"),
    LIKE("like"),
    ADD_TO_CART("add_to_cart");

    private static final Map<String, InteractionType> BY_WIRE_NAME = Arrays.stream(values())
            .collect(Collectors.toUnmodifiableMap(InteractionType::wireName, Function.identity()));

    /** All wire names, in declaration order. */
    public static final List<String> WIRE_NAMES =
            Arrays.stream(values()).map(InteractionType::wireName).toList();

    private final String wireName;

    InteractionType(String wireName) {
        this.wireName = wireName;
    }

    /** The name as it appears in the JSON field {@code interaction_type}. */
    public String wireName() {
        return wireName;
    }

    /** The type with this wire name, or {@code null} when there is none. */
    public static InteractionType fromWireName(String name) {
        return name == null ? null : BY_WIRE_NAME.get(name);
    }
}
