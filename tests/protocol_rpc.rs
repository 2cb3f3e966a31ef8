//! In-process gRPC tests of every RPC Terraform 1.0 calls, through a real
//! tonic client over TCP against the real server, with a toy provider.

use crate::support;

use std::time::Duration;

use support::toy_rpc::{dv, s, start, undv, Harness};
use terraform_provider_proton::plugin::codec::{decode_msgpack, encode_msgpack};
use terraform_provider_proton::plugin::proto::tfplugin6 as pb;
use terraform_provider_proton::plugin::value::{Number, Type, Value};

/// A configuration of toy_thing: computed attributes null.
fn config(name: &str, description: Option<&str>) -> Value {
    Value::object([
        ("id", Value::Null),
        ("name", s(name)),
        ("description", description.map(s).unwrap_or(Value::Null)),
        ("mode", Value::Null),
        ("size", Value::Null),
        ("labels", Value::Null),
        ("created_at", Value::Null),
        ("revision", Value::Null),
        ("spec", Value::object([("kind", s("small"))])),
        (
            "item",
            Value::Set(vec![Value::object([("key", s("a")), ("value", s("1"))])]),
        ),
    ])
}

/// Terraform's proposed new state: configuration, with computed attributes
/// taken from the prior state (optional+computed ones too when unset).
fn proposed(config: &Value, prior: &Value) -> Value {
    let mut proposed = config.clone();
    if !prior.is_null() {
        for name in ["id", "created_at", "revision"] {
            *proposed.get_attr_mut(name).unwrap() = prior.get_attr(name).unwrap().clone();
        }
        if config.get_attr("mode").unwrap().is_null() {
            *proposed.get_attr_mut("mode").unwrap() = prior.get_attr("mode").unwrap().clone();
        }
    }
    proposed
}

async fn plan(
    h: &mut Harness,
    prior: &Value,
    config: &Value,
) -> pb::plan_resource_change::Response {
    h.client
        .plan_resource_change(pb::plan_resource_change::Request {
            type_name: "toy_thing".into(),
            prior_state: dv(prior),
            proposed_new_state: dv(&proposed(config, prior)),
            config: dv(config),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
}

async fn apply(
    h: &mut Harness,
    prior: &Value,
    planned: &Value,
    config: &Value,
) -> pb::apply_resource_change::Response {
    h.client
        .apply_resource_change(pb::apply_resource_change::Request {
            type_name: "toy_thing".into(),
            prior_state: dv(prior),
            planned_state: dv(planned),
            config: dv(config),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
}

/// Plans and applies a create, returning the new state.
async fn create(h: &mut Harness, config: &Value) -> Value {
    let planned = undv(&plan(h, &Value::Null, config).await.planned_state);
    let applied = apply(h, &Value::Null, &planned, config).await;
    assert!(applied.diagnostics.is_empty(), "{:?}", applied.diagnostics);
    undv(&applied.new_state)
}

fn errors(diagnostics: &[pb::Diagnostic]) -> Vec<&pb::Diagnostic> {
    diagnostics
        .iter()
        .filter(|d| d.severity == pb::diagnostic::Severity::Error as i32)
        .collect()
}

fn attribute_names(diagnostic: &pb::Diagnostic) -> Vec<String> {
    use pb::attribute_path::step::Selector;
    diagnostic
        .attribute
        .as_ref()
        .map(|path| {
            path.steps
                .iter()
                .filter_map(|s| match &s.selector {
                    Some(Selector::AttributeName(name)) => Some(name.clone()),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn get_provider_schema_lists_types_and_is_deterministic() {
    let mut h = start().await;
    let first = h
        .client
        .get_provider_schema(pb::get_provider_schema::Request {})
        .await
        .unwrap()
        .into_inner();
    let second = h
        .client
        .get_provider_schema(pb::get_provider_schema::Request {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(first, second);
    assert!(first.resource_schemas.contains_key("toy_thing"));
    assert!(first.data_source_schemas.contains_key("toy_echo"));
    assert!(first.diagnostics.is_empty());
    let thing = &first.resource_schemas["toy_thing"];
    let block = thing.block.as_ref().unwrap();
    let name = block.attributes.iter().find(|a| a.name == "name").unwrap();
    assert!(name.required && !name.optional && !name.computed);
    assert_eq!(name.r#type, b"\"string\"");
    assert!(
        name.nested_type.is_none(),
        "nested attributes crash Terraform 1.0.0-1.0.8"
    );
    let spec = block
        .block_types
        .iter()
        .find(|b| b.type_name == "spec")
        .unwrap();
    assert_eq!((spec.min_items, spec.max_items), (1, 1));
    let capabilities = first.server_capabilities.unwrap();
    assert!(capabilities.plan_destroy);
}

#[tokio::test]
async fn validate_provider_config_points_at_the_attribute() {
    let mut h = start().await;
    let ty = Type::Object([("greeting".to_string(), Type::String)].into());
    let encode = |v: &Value| {
        Some(pb::DynamicValue {
            msgpack: encode_msgpack(v, &ty).unwrap(),
            json: Vec::new(),
        })
    };
    let bad = h
        .client
        .validate_provider_config(pb::validate_provider_config::Request {
            config: encode(&Value::object([("greeting", s("yo"))])),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(errors(&bad.diagnostics).len(), 1);
    assert_eq!(attribute_names(&bad.diagnostics[0]), vec!["greeting"]);
    for fine in [s("hello"), Value::Unknown, Value::Null] {
        let ok = h
            .client
            .validate_provider_config(pb::validate_provider_config::Request {
                config: encode(&Value::object([("greeting", fine)])),
            })
            .await
            .unwrap()
            .into_inner();
        assert!(ok.diagnostics.is_empty(), "{:?}", ok.diagnostics);
    }
}

#[tokio::test]
async fn validate_resource_config_checks_known_values_only() {
    let mut h = start().await;
    let validate = |config: Value| pb::validate_resource_config::Request {
        type_name: "toy_thing".into(),
        config: dv(&config),
        ..Default::default()
    };
    let bad = h
        .client
        .validate_resource_config(validate(config("Not Valid", Some("forbidden"))))
        .await
        .unwrap()
        .into_inner();
    let errs = errors(&bad.diagnostics);
    assert_eq!(errs.len(), 2, "{errs:?}");
    assert!(errs.iter().any(|d| attribute_names(d) == vec!["name"]));
    assert!(errs.iter().any(|d| d.summary == "Forbidden description"));

    let mut unknown_name = config("x", None);
    *unknown_name.get_attr_mut("name").unwrap() = Value::Unknown;
    let ok = h
        .client
        .validate_resource_config(validate(unknown_name))
        .await
        .unwrap()
        .into_inner();
    assert!(ok.diagnostics.is_empty(), "{:?}", ok.diagnostics);

    let unknown_type = h
        .client
        .validate_resource_config(pb::validate_resource_config::Request {
            type_name: "toy_nope".into(),
            config: dv(&config("x", None)),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(errors(&unknown_type.diagnostics).len(), 1);
}

#[tokio::test]
async fn validate_data_resource_config_and_read_data_source() {
    let mut h = start().await;
    let ty = Type::Object(
        [
            ("input".to_string(), Type::String),
            ("output".to_string(), Type::String),
        ]
        .into(),
    );
    let encode = |v: &Value| {
        Some(pb::DynamicValue {
            msgpack: encode_msgpack(v, &ty).unwrap(),
            json: Vec::new(),
        })
    };
    let too_long = h
        .client
        .validate_data_resource_config(pb::validate_data_resource_config::Request {
            type_name: "toy_echo".into(),
            config: encode(&Value::object([
                ("input", s("far too long input")),
                ("output", Value::Null),
            ])),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        attribute_names(errors(&too_long.diagnostics)[0]),
        vec!["input"]
    );

    let read = h
        .client
        .read_data_source(pb::read_data_source::Request {
            type_name: "toy_echo".into(),
            config: encode(&Value::object([
                ("input", s("abc")),
                ("output", Value::Null),
            ])),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(read.diagnostics.is_empty());
    let state = decode_msgpack(&read.state.unwrap().msgpack, &ty).unwrap();
    assert_eq!(state.get_attr("output"), Some(&s("ABC")));
}

#[tokio::test]
async fn upgrade_resource_state_reads_json_and_always_answers() {
    let mut h = start().await;
    let json = serde_json::json!({
        "id": "a", "name": "a", "description": null, "mode": "auto", "size": 123456789012345678901234567890u128,
        "labels": {"k": "v"}, "created_at": "t", "revision": 2,
        "spec": {"kind": "small"}, "item": [{"key": "a", "value": null}],
        "removed_attribute": "dropped"
    });
    let upgraded = h
        .client
        .upgrade_resource_state(pb::upgrade_resource_state::Request {
            type_name: "toy_thing".into(),
            version: 0,
            raw_state: Some(pb::RawState {
                json: serde_json::to_vec(&json).unwrap(),
                ..Default::default()
            }),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(
        upgraded.diagnostics.is_empty(),
        "{:?}",
        upgraded.diagnostics
    );
    let state = undv(&upgraded.upgraded_state);
    assert_eq!(
        state
            .get_attr("size")
            .and_then(Value::as_number)
            .unwrap()
            .to_string(),
        "123456789012345678901234567890"
    );
    assert_eq!(
        state.get_attr("revision"),
        Some(&Value::Number(Number::from_i64(2)))
    );

    let newer = h
        .client
        .upgrade_resource_state(pb::upgrade_resource_state::Request {
            type_name: "toy_thing".into(),
            version: 7,
            raw_state: Some(pb::RawState {
                json: serde_json::to_vec(&json).unwrap(),
                ..Default::default()
            }),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(errors(&newer.diagnostics)[0].summary.contains("newer"));

    let flatmap = h
        .client
        .upgrade_resource_state(pb::upgrade_resource_state::Request {
            type_name: "toy_thing".into(),
            version: 0,
            raw_state: Some(pb::RawState {
                flatmap: [("id".to_string(), "a".to_string())].into(),
                ..Default::default()
            }),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(errors(&flatmap.diagnostics).len(), 1);
}

#[tokio::test]
async fn configure_provider_receives_the_terraform_version() {
    let mut h = start().await;
    let response = h
        .client
        .configure_provider(pb::configure_provider::Request {
            terraform_version: "1.0.3".into(),
            config: None,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(response.diagnostics.is_empty());
    assert_eq!(
        h.provider
            .backend
            .configured_with
            .lock()
            .unwrap()
            .as_deref(),
        Some("1.0.3")
    );
}

#[tokio::test]
async fn plan_create_marks_computed_attributes_unknown_and_applies_defaults() {
    let mut h = start().await;
    let response = plan(&mut h, &Value::Null, &config("a", None)).await;
    assert!(
        response.diagnostics.is_empty(),
        "{:?}",
        response.diagnostics
    );
    assert!(response.requires_replace.is_empty());
    let planned = undv(&response.planned_state);
    for computed in ["id", "created_at", "revision"] {
        assert!(
            planned.get_attr(computed).unwrap().is_unknown(),
            "{computed}"
        );
    }
    assert_eq!(planned.get_attr("mode"), Some(&s("auto")));
    assert_eq!(planned.get_attr("name"), Some(&s("a")));
    assert!(planned.get_attr("description").unwrap().is_null());
}

#[tokio::test]
async fn apply_create_keeps_planned_values_and_leaves_nothing_unknown() {
    let mut h = start().await;
    let cfg = config("a", Some("first"));
    let planned = undv(&plan(&mut h, &Value::Null, &cfg).await.planned_state);
    let applied = apply(&mut h, &Value::Null, &planned, &cfg).await;
    assert!(applied.diagnostics.is_empty());
    let state = undv(&applied.new_state);
    assert!(state.is_wholly_known());
    assert_eq!(state.get_attr("id"), Some(&s("a")));
    for (name, value) in match &planned {
        Value::Object(attrs) => attrs.clone(),
        _ => unreachable!(),
    } {
        if value.is_wholly_known() {
            assert_eq!(
                state.get_attr(&name),
                Some(&value),
                "{name} changed after apply"
            );
        }
    }
}

#[tokio::test]
async fn unchanged_configuration_plans_exactly_the_prior_state() {
    let mut h = start().await;
    let cfg = config("a", Some("same"));
    let state = create(&mut h, &cfg).await;
    let response = plan(&mut h, &state, &cfg).await;
    assert!(response.requires_replace.is_empty());
    assert_eq!(
        undv(&response.planned_state),
        state,
        "a no-op plan must equal prior"
    );
}

#[tokio::test]
async fn update_in_place_keeps_stable_computed_values() {
    let mut h = start().await;
    let state = create(&mut h, &config("a", Some("one"))).await;
    let cfg = config("a", Some("two"));
    let response = plan(&mut h, &state, &cfg).await;
    assert!(response.requires_replace.is_empty());
    let planned = undv(&response.planned_state);
    assert_eq!(planned.get_attr("id"), Some(&s("a")));
    assert_eq!(planned.get_attr("created_at"), state.get_attr("created_at"));
    assert_eq!(planned.get_attr("mode"), Some(&s("auto")));
    assert!(planned.get_attr("revision").unwrap().is_unknown());
    let applied = undv(&apply(&mut h, &state, &planned, &cfg).await.new_state);
    assert_eq!(
        applied.get_attr("revision"),
        Some(&Value::Number(Number::from_i64(2)))
    );
    assert_eq!(applied.get_attr("description"), Some(&s("two")));
}

#[tokio::test]
async fn replacement_paths_are_sorted_and_only_where_values_differ() {
    let mut h = start().await;
    let state = create(&mut h, &config("a", None)).await;
    let mut cfg = config("b", None);
    *cfg.get_attr_mut("spec").unwrap() = Value::object([("kind", s("large"))]);
    let response = plan(&mut h, &state, &cfg).await;
    let paths: Vec<Vec<String>> = response
        .requires_replace
        .iter()
        .map(|p| {
            attribute_names(&pb::Diagnostic {
                attribute: Some(p.clone()),
                ..Default::default()
            })
        })
        .collect();
    assert_eq!(
        paths,
        vec![vec!["name".to_string()], vec!["spec".to_string()]]
    );

    // An unknown value for a replace-forcing attribute also replaces.
    let mut unknown = config("a", None);
    *unknown.get_attr_mut("name").unwrap() = Value::Unknown;
    let response = plan(&mut h, &state, &unknown).await;
    assert_eq!(response.requires_replace.len(), 1);
    assert!(undv(&response.planned_state)
        .get_attr("name")
        .unwrap()
        .is_unknown());
}

#[tokio::test]
async fn set_order_never_makes_a_diff() {
    let mut h = start().await;
    let mut cfg = config("a", None);
    *cfg.get_attr_mut("item").unwrap() = Value::Set(vec![
        Value::object([("key", s("a")), ("value", s("1"))]),
        Value::object([("key", s("b")), ("value", Value::Null)]),
    ]);
    let state = create(&mut h, &cfg).await;
    *cfg.get_attr_mut("item").unwrap() = Value::Set(vec![
        Value::object([("key", s("b")), ("value", Value::Null)]),
        Value::object([("key", s("a")), ("value", s("1"))]),
    ]);
    let response = plan(&mut h, &state, &cfg).await;
    assert_eq!(undv(&response.planned_state), state);
}

#[tokio::test]
async fn plan_diagnostics_from_the_resource_are_returned() {
    let mut h = start().await;
    let response = plan(&mut h, &Value::Null, &config("a", Some("plan-error"))).await;
    assert_eq!(errors(&response.diagnostics)[0].summary, "Cannot plan");
}

#[tokio::test]
async fn create_failing_after_the_object_exists_returns_its_state() {
    let mut h = start().await;
    let cfg = config("half-made", None);
    let planned = undv(&plan(&mut h, &Value::Null, &cfg).await.planned_state);
    let applied = apply(&mut h, &Value::Null, &planned, &cfg).await;
    assert_eq!(errors(&applied.diagnostics).len(), 1);
    let state = undv(&applied.new_state);
    assert_eq!(
        state.get_attr("id"),
        Some(&s("half-made")),
        "Terraform must keep it as tainted"
    );
}

#[tokio::test]
async fn delete_returns_null_and_failure_keeps_the_object() {
    let mut h = start().await;
    let state = create(&mut h, &config("a", None)).await;
    let deleted = apply(&mut h, &state, &Value::Null, &Value::Null).await;
    assert!(deleted.diagnostics.is_empty());
    assert!(undv(&deleted.new_state).is_null());
    assert!(h.provider.backend.things.lock().unwrap().is_empty());

    let stuck = create(&mut h, &config("undeletable", None)).await;
    let refused = apply(&mut h, &stuck, &Value::Null, &Value::Null).await;
    assert_eq!(errors(&refused.diagnostics).len(), 1);
    assert_eq!(undv(&refused.new_state), stuck);
}

#[tokio::test]
async fn read_returns_current_state_null_when_gone_and_keeps_state_on_errors() {
    let mut h = start().await;
    let state = create(&mut h, &config("a", None)).await;
    let read = |state: &Value| pb::read_resource::Request {
        type_name: "toy_thing".into(),
        current_state: dv(state),
        private: b"opaque".to_vec(),
        ..Default::default()
    };
    let found = h
        .client
        .read_resource(read(&state))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(undv(&found.new_state), state);
    assert_eq!(found.private, b"opaque");

    h.provider.backend.things.lock().unwrap().clear();
    let gone = h
        .client
        .read_resource(read(&state))
        .await
        .unwrap()
        .into_inner();
    assert!(gone.diagnostics.is_empty());
    assert!(undv(&gone.new_state).is_null());

    let mut flaky = state.clone();
    *flaky.get_attr_mut("id").unwrap() = s("flaky");
    let failed = h
        .client
        .read_resource(read(&flaky))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(errors(&failed.diagnostics).len(), 1);
    assert_eq!(
        undv(&failed.new_state),
        flaky,
        "a failed read must not drop state"
    );
}

#[tokio::test]
async fn import_sets_the_type_name() {
    let mut h = start().await;
    let imported = h
        .client
        .import_resource_state(pb::import_resource_state::Request {
            type_name: "toy_thing".into(),
            id: "a".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(imported.diagnostics.is_empty());
    assert_eq!(imported.imported_resources.len(), 1);
    assert_eq!(imported.imported_resources[0].type_name, "toy_thing");
    assert_eq!(
        undv(&imported.imported_resources[0].state).get_attr("id"),
        Some(&s("a"))
    );

    let bad = h
        .client
        .import_resource_state(pb::import_resource_state::Request {
            type_name: "toy_thing".into(),
            id: String::new(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(bad.imported_resources.is_empty());
    assert_eq!(errors(&bad.diagnostics).len(), 1);
}

#[tokio::test]
async fn stop_provider_cancels_in_flight_work_and_keeps_serving() {
    let mut h = start().await;
    let cfg = config("slow", None);
    let planned = undv(&plan(&mut h, &Value::Null, &cfg).await.planned_state);
    let mut other = h.client.clone();
    let slow = tokio::spawn(async move {
        other
            .apply_resource_change(pb::apply_resource_change::Request {
                type_name: "toy_thing".into(),
                prior_state: dv(&Value::Null),
                planned_state: dv(&planned),
                config: dv(&cfg),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
    });
    // The create registers the object before waiting; wait for that.
    while !h
        .provider
        .backend
        .things
        .lock()
        .unwrap()
        .contains_key("slow")
    {
        tokio::task::yield_now().await;
    }
    let stopped = h
        .client
        .stop_provider(pb::stop_provider::Request {})
        .await
        .unwrap()
        .into_inner();
    assert!(stopped.error.is_empty());
    let interrupted = tokio::time::timeout(Duration::from_secs(30), slow)
        .await
        .expect("the create must return after StopProvider")
        .unwrap();
    assert_eq!(errors(&interrupted.diagnostics).len(), 1);
    assert_eq!(
        undv(&interrupted.new_state).get_attr("id"),
        Some(&s("slow"))
    );

    // The server goes on serving, with a fresh cancellation scope.
    let state = create(&mut h, &config("after", None)).await;
    assert_eq!(state.get_attr("id"), Some(&s("after")));
}

#[tokio::test]
async fn concurrent_applies_all_succeed() {
    let h = start().await;
    let mut tasks = Vec::new();
    for i in 0..24 {
        let mut client = h.client.clone();
        tasks.push(tokio::spawn(async move {
            let name = format!("thing-{}", "x".repeat(i + 1));
            let cfg = config(&name, None);
            let plan = client
                .plan_resource_change(pb::plan_resource_change::Request {
                    type_name: "toy_thing".into(),
                    prior_state: dv(&Value::Null),
                    proposed_new_state: dv(&cfg),
                    config: dv(&cfg),
                    ..Default::default()
                })
                .await
                .unwrap()
                .into_inner();
            client
                .apply_resource_change(pb::apply_resource_change::Request {
                    type_name: "toy_thing".into(),
                    prior_state: dv(&Value::Null),
                    planned_state: plan.planned_state,
                    config: dv(&cfg),
                    ..Default::default()
                })
                .await
                .unwrap()
                .into_inner()
        }));
    }
    for task in tasks {
        assert!(task.await.unwrap().diagnostics.is_empty());
    }
    assert_eq!(h.provider.backend.things.lock().unwrap().len(), 24);
}

#[tokio::test]
async fn unsupported_rpcs_answer_unimplemented() {
    let mut h = start().await;
    let status = h
        .client
        .get_functions(pb::get_functions::Request {})
        .await
        .unwrap_err();
    assert_eq!(status.code(), tonic::Code::Unimplemented);
    let status = h
        .client
        .move_resource_state(pb::move_resource_state::Request::default())
        .await
        .unwrap_err();
    assert_eq!(status.code(), tonic::Code::Unimplemented);
}

#[tokio::test]
async fn garbage_values_become_diagnostics_not_status_errors() {
    let mut h = start().await;
    let response = h
        .client
        .plan_resource_change(pb::plan_resource_change::Request {
            type_name: "toy_thing".into(),
            prior_state: None,
            proposed_new_state: Some(pb::DynamicValue {
                msgpack: vec![0x81, 0xa1, b'x', 0x01],
                json: Vec::new(),
            }),
            config: None,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(errors(&response.diagnostics).len(), 1);
    assert!(response.planned_state.is_none());
}
