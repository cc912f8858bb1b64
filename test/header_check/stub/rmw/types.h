// Stand-in for the two rmw option structs payload.hpp touches (only the payload fields).
#pragma once
typedef struct rmw_publisher_options_s { void * rmw_specific_publisher_payload; } rmw_publisher_options_t;
typedef struct rmw_subscription_options_s { void * rmw_specific_subscription_payload; } rmw_subscription_options_t;
