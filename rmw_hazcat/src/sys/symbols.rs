//! The `rmw_*` functions an implementation must export, per distro (`rmw_api.md` §1.2–§1.3).
//!
//! These are exactly the names `rmw_implementation` resolves with `dlsym` (its `functions.cpp`
//! on each branch); a missing one does not fail loading but fails when called and leaves an
//! rcutils error set after `rmw_init`. Helpers implemented in librmw (`rmw_get_zero_initialized_*`,
//! `rmw_*_allocate`, validators, ...) are **not** listed: they must not be exported.
//!
//! Counts: Humble 88, Jazzy 95 (94 before rmw_implementation 2.15.5 added
//! `rmw_event_type_is_supported`), Kilted 95, Lyrical/Rolling 97. The reference's list
//! (§1.3) has 97 rows; the counts derived from it (88 marked "≤Humble", rows 1–95 for Jazzy) agree
//! with the numbers it states.

/// Jazzy (rmw_implementation ≥ 2.15.5): 95 symbols, in the order of `rmw_api.md` §1.3.
pub const EXPORTED_SYMBOLS_JAZZY: &[&str] = &[
    "rmw_borrow_loaned_message",
    "rmw_client_request_publisher_get_actual_qos",
    "rmw_client_response_subscription_get_actual_qos",
    "rmw_client_set_on_new_response_callback",
    "rmw_compare_gids_equal",
    "rmw_context_fini",
    "rmw_count_clients",
    "rmw_count_publishers",
    "rmw_count_services",
    "rmw_count_subscribers",
    "rmw_create_client",
    "rmw_create_guard_condition",
    "rmw_create_node",
    "rmw_create_publisher",
    "rmw_create_service",
    "rmw_create_subscription",
    "rmw_create_wait_set",
    "rmw_deserialize",
    "rmw_destroy_client",
    "rmw_destroy_guard_condition",
    "rmw_destroy_node",
    "rmw_destroy_publisher",
    "rmw_destroy_service",
    "rmw_destroy_subscription",
    "rmw_destroy_wait_set",
    "rmw_event_set_callback",
    "rmw_feature_supported",
    "rmw_fini_publisher_allocation",
    "rmw_fini_subscription_allocation",
    "rmw_get_client_names_and_types_by_node",
    "rmw_get_gid_for_client",
    "rmw_get_gid_for_publisher",
    "rmw_get_implementation_identifier",
    "rmw_get_node_names",
    "rmw_get_node_names_with_enclaves",
    "rmw_get_publisher_names_and_types_by_node",
    "rmw_get_publishers_info_by_topic",
    "rmw_get_serialization_format",
    "rmw_get_serialized_message_size",
    "rmw_get_service_names_and_types",
    "rmw_get_service_names_and_types_by_node",
    "rmw_get_subscriber_names_and_types_by_node",
    "rmw_get_subscriptions_info_by_topic",
    "rmw_get_topic_names_and_types",
    "rmw_init",
    "rmw_init_options_copy",
    "rmw_init_options_fini",
    "rmw_init_options_init",
    "rmw_init_publisher_allocation",
    "rmw_init_subscription_allocation",
    "rmw_node_get_graph_guard_condition",
    "rmw_publish",
    "rmw_publish_loaned_message",
    "rmw_publish_serialized_message",
    "rmw_publisher_assert_liveliness",
    "rmw_publisher_count_matched_subscriptions",
    "rmw_publisher_event_init",
    "rmw_publisher_get_actual_qos",
    "rmw_publisher_get_network_flow_endpoints",
    "rmw_publisher_wait_for_all_acked",
    "rmw_qos_profile_check_compatible",
    "rmw_return_loaned_message_from_publisher",
    "rmw_return_loaned_message_from_subscription",
    "rmw_send_request",
    "rmw_send_response",
    "rmw_serialization_support_init",
    "rmw_serialize",
    "rmw_service_request_subscription_get_actual_qos",
    "rmw_service_response_publisher_get_actual_qos",
    "rmw_service_server_is_available",
    "rmw_service_set_on_new_request_callback",
    "rmw_set_log_severity",
    "rmw_shutdown",
    "rmw_subscription_count_matched_publishers",
    "rmw_subscription_event_init",
    "rmw_subscription_get_actual_qos",
    "rmw_subscription_get_content_filter",
    "rmw_subscription_get_network_flow_endpoints",
    "rmw_subscription_set_content_filter",
    "rmw_subscription_set_on_new_message_callback",
    "rmw_take",
    "rmw_take_dynamic_message",
    "rmw_take_dynamic_message_with_info",
    "rmw_take_event",
    "rmw_take_loaned_message",
    "rmw_take_loaned_message_with_info",
    "rmw_take_request",
    "rmw_take_response",
    "rmw_take_sequence",
    "rmw_take_serialized_message",
    "rmw_take_serialized_message_with_info",
    "rmw_take_with_info",
    "rmw_trigger_guard_condition",
    "rmw_wait",
    "rmw_event_type_is_supported",
];

/// Humble (rmw_implementation 2.8.x): 88 symbols.
pub const EXPORTED_SYMBOLS_HUMBLE: &[&str] = &[
    "rmw_borrow_loaned_message",
    "rmw_client_request_publisher_get_actual_qos",
    "rmw_client_response_subscription_get_actual_qos",
    "rmw_client_set_on_new_response_callback",
    "rmw_compare_gids_equal",
    "rmw_context_fini",
    "rmw_count_publishers",
    "rmw_count_subscribers",
    "rmw_create_client",
    "rmw_create_guard_condition",
    "rmw_create_node",
    "rmw_create_publisher",
    "rmw_create_service",
    "rmw_create_subscription",
    "rmw_create_wait_set",
    "rmw_deserialize",
    "rmw_destroy_client",
    "rmw_destroy_guard_condition",
    "rmw_destroy_node",
    "rmw_destroy_publisher",
    "rmw_destroy_service",
    "rmw_destroy_subscription",
    "rmw_destroy_wait_set",
    "rmw_event_set_callback",
    "rmw_feature_supported",
    "rmw_fini_publisher_allocation",
    "rmw_fini_subscription_allocation",
    "rmw_get_client_names_and_types_by_node",
    "rmw_get_gid_for_publisher",
    "rmw_get_implementation_identifier",
    "rmw_get_node_names",
    "rmw_get_node_names_with_enclaves",
    "rmw_get_publisher_names_and_types_by_node",
    "rmw_get_publishers_info_by_topic",
    "rmw_get_serialization_format",
    "rmw_get_serialized_message_size",
    "rmw_get_service_names_and_types",
    "rmw_get_service_names_and_types_by_node",
    "rmw_get_subscriber_names_and_types_by_node",
    "rmw_get_subscriptions_info_by_topic",
    "rmw_get_topic_names_and_types",
    "rmw_init",
    "rmw_init_options_copy",
    "rmw_init_options_fini",
    "rmw_init_options_init",
    "rmw_init_publisher_allocation",
    "rmw_init_subscription_allocation",
    "rmw_node_get_graph_guard_condition",
    "rmw_publish",
    "rmw_publish_loaned_message",
    "rmw_publish_serialized_message",
    "rmw_publisher_assert_liveliness",
    "rmw_publisher_count_matched_subscriptions",
    "rmw_publisher_event_init",
    "rmw_publisher_get_actual_qos",
    "rmw_publisher_get_network_flow_endpoints",
    "rmw_publisher_wait_for_all_acked",
    "rmw_qos_profile_check_compatible",
    "rmw_return_loaned_message_from_publisher",
    "rmw_return_loaned_message_from_subscription",
    "rmw_send_request",
    "rmw_send_response",
    "rmw_serialize",
    "rmw_service_request_subscription_get_actual_qos",
    "rmw_service_response_publisher_get_actual_qos",
    "rmw_service_server_is_available",
    "rmw_service_set_on_new_request_callback",
    "rmw_set_log_severity",
    "rmw_shutdown",
    "rmw_subscription_count_matched_publishers",
    "rmw_subscription_event_init",
    "rmw_subscription_get_actual_qos",
    "rmw_subscription_get_content_filter",
    "rmw_subscription_get_network_flow_endpoints",
    "rmw_subscription_set_content_filter",
    "rmw_subscription_set_on_new_message_callback",
    "rmw_take",
    "rmw_take_event",
    "rmw_take_loaned_message",
    "rmw_take_loaned_message_with_info",
    "rmw_take_request",
    "rmw_take_response",
    "rmw_take_sequence",
    "rmw_take_serialized_message",
    "rmw_take_serialized_message_with_info",
    "rmw_take_with_info",
    "rmw_trigger_guard_condition",
    "rmw_wait",
];

/// Kilted (rmw_implementation 3.0.x): the same 95 symbols as late Jazzy.
pub const EXPORTED_SYMBOLS_KILTED: &[&str] = EXPORTED_SYMBOLS_JAZZY;

/// Lyrical / Rolling (rmw ≥ 7.9.1): Jazzy's 95 plus `rmw_get_clients_info_by_service` and
/// `rmw_get_servers_info_by_service` (97).
pub const EXPORTED_SYMBOLS_LYRICAL: &[&str] = &[
    "rmw_borrow_loaned_message",
    "rmw_client_request_publisher_get_actual_qos",
    "rmw_client_response_subscription_get_actual_qos",
    "rmw_client_set_on_new_response_callback",
    "rmw_compare_gids_equal",
    "rmw_context_fini",
    "rmw_count_clients",
    "rmw_count_publishers",
    "rmw_count_services",
    "rmw_count_subscribers",
    "rmw_create_client",
    "rmw_create_guard_condition",
    "rmw_create_node",
    "rmw_create_publisher",
    "rmw_create_service",
    "rmw_create_subscription",
    "rmw_create_wait_set",
    "rmw_deserialize",
    "rmw_destroy_client",
    "rmw_destroy_guard_condition",
    "rmw_destroy_node",
    "rmw_destroy_publisher",
    "rmw_destroy_service",
    "rmw_destroy_subscription",
    "rmw_destroy_wait_set",
    "rmw_event_set_callback",
    "rmw_feature_supported",
    "rmw_fini_publisher_allocation",
    "rmw_fini_subscription_allocation",
    "rmw_get_client_names_and_types_by_node",
    "rmw_get_gid_for_client",
    "rmw_get_gid_for_publisher",
    "rmw_get_implementation_identifier",
    "rmw_get_node_names",
    "rmw_get_node_names_with_enclaves",
    "rmw_get_publisher_names_and_types_by_node",
    "rmw_get_publishers_info_by_topic",
    "rmw_get_serialization_format",
    "rmw_get_serialized_message_size",
    "rmw_get_service_names_and_types",
    "rmw_get_service_names_and_types_by_node",
    "rmw_get_subscriber_names_and_types_by_node",
    "rmw_get_subscriptions_info_by_topic",
    "rmw_get_topic_names_and_types",
    "rmw_init",
    "rmw_init_options_copy",
    "rmw_init_options_fini",
    "rmw_init_options_init",
    "rmw_init_publisher_allocation",
    "rmw_init_subscription_allocation",
    "rmw_node_get_graph_guard_condition",
    "rmw_publish",
    "rmw_publish_loaned_message",
    "rmw_publish_serialized_message",
    "rmw_publisher_assert_liveliness",
    "rmw_publisher_count_matched_subscriptions",
    "rmw_publisher_event_init",
    "rmw_publisher_get_actual_qos",
    "rmw_publisher_get_network_flow_endpoints",
    "rmw_publisher_wait_for_all_acked",
    "rmw_qos_profile_check_compatible",
    "rmw_return_loaned_message_from_publisher",
    "rmw_return_loaned_message_from_subscription",
    "rmw_send_request",
    "rmw_send_response",
    "rmw_serialization_support_init",
    "rmw_serialize",
    "rmw_service_request_subscription_get_actual_qos",
    "rmw_service_response_publisher_get_actual_qos",
    "rmw_service_server_is_available",
    "rmw_service_set_on_new_request_callback",
    "rmw_set_log_severity",
    "rmw_shutdown",
    "rmw_subscription_count_matched_publishers",
    "rmw_subscription_event_init",
    "rmw_subscription_get_actual_qos",
    "rmw_subscription_get_content_filter",
    "rmw_subscription_get_network_flow_endpoints",
    "rmw_subscription_set_content_filter",
    "rmw_subscription_set_on_new_message_callback",
    "rmw_take",
    "rmw_take_dynamic_message",
    "rmw_take_dynamic_message_with_info",
    "rmw_take_event",
    "rmw_take_loaned_message",
    "rmw_take_loaned_message_with_info",
    "rmw_take_request",
    "rmw_take_response",
    "rmw_take_sequence",
    "rmw_take_serialized_message",
    "rmw_take_serialized_message_with_info",
    "rmw_take_with_info",
    "rmw_trigger_guard_condition",
    "rmw_wait",
    "rmw_event_type_is_supported",
    "rmw_get_clients_info_by_service",
    "rmw_get_servers_info_by_service",
];

/// The list for the distro this build targets.
#[cfg(ros_distro = "humble")]
pub const EXPORTED_SYMBOLS: &[&str] = EXPORTED_SYMBOLS_HUMBLE;
/// The list for the distro this build targets.
#[cfg(ros_distro = "jazzy")]
pub const EXPORTED_SYMBOLS: &[&str] = EXPORTED_SYMBOLS_JAZZY;
/// The list for the distro this build targets.
#[cfg(ros_distro = "kilted")]
pub const EXPORTED_SYMBOLS: &[&str] = EXPORTED_SYMBOLS_KILTED;
/// The list for the distro this build targets.
#[cfg(ros_distro = "lyrical")]
pub const EXPORTED_SYMBOLS: &[&str] = EXPORTED_SYMBOLS_LYRICAL;

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn unique(list: &'static [&'static str]) -> BTreeSet<&'static str> {
        let set: BTreeSet<&str> = list.iter().copied().collect();
        assert_eq!(set.len(), list.len(), "duplicate names in a symbol list");
        set
    }

    #[test]
    fn counts_match_the_reference() {
        assert_eq!(EXPORTED_SYMBOLS_HUMBLE.len(), 88);
        assert_eq!(EXPORTED_SYMBOLS_JAZZY.len(), 95);
        assert_eq!(EXPORTED_SYMBOLS_KILTED.len(), 95);
        assert_eq!(EXPORTED_SYMBOLS_LYRICAL.len(), 97);
    }

    #[test]
    fn no_duplicates_and_well_formed() {
        for list in [
            EXPORTED_SYMBOLS_HUMBLE,
            EXPORTED_SYMBOLS_JAZZY,
            EXPORTED_SYMBOLS_LYRICAL,
        ] {
            unique(list);
            for name in list {
                assert!(name.starts_with("rmw_"), "{name}");
                assert!(
                    name.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
                    "{name}"
                );
            }
        }
    }

    #[test]
    fn distros_nest() {
        let humble = unique(EXPORTED_SYMBOLS_HUMBLE);
        let jazzy = unique(EXPORTED_SYMBOLS_JAZZY);
        let lyrical = unique(EXPORTED_SYMBOLS_LYRICAL);
        assert!(humble.is_subset(&jazzy));
        assert!(jazzy.is_subset(&lyrical));
        let added: Vec<_> = jazzy.difference(&humble).copied().collect();
        assert_eq!(
            added,
            [
                "rmw_count_clients",
                "rmw_count_services",
                "rmw_event_type_is_supported",
                "rmw_get_gid_for_client",
                "rmw_serialization_support_init",
                "rmw_take_dynamic_message",
                "rmw_take_dynamic_message_with_info",
            ]
        );
        let added: Vec<_> = lyrical.difference(&jazzy).copied().collect();
        assert_eq!(
            added,
            [
                "rmw_get_clients_info_by_service",
                "rmw_get_servers_info_by_service"
            ]
        );
    }

    #[test]
    fn selected_distro_list() {
        let expected = match crate::sys::ROS_DISTRO {
            "humble" => 88,
            "jazzy" | "kilted" => 95,
            _ => 97,
        };
        assert_eq!(EXPORTED_SYMBOLS.len(), expected);
    }
}
