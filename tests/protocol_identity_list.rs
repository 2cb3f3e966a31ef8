//! In-process gRPC tests of the Terraform 1.12+ RPCs and fields: resource
//! identity (schemas, upgrades, identities on read, plan, apply and import,
//! import by identity), list resources (`terraform query`) and
//! GenerateResourceConfig, through a real tonic client against the real
//! server with the toy provider.

use crate::support;

use std::sync::atomic::Ordering;

use support::toy::{thing_identity, thing_list_config_schema};
use support::toy_rpc::*;
use terraform_provider_proton::plugin::proto::tfplugin6 as pb;
use terraform_provider_proton::plugin::value::{Number, Value};
use tonic::Streaming;

#[tokio::test]
async fn identity_schemas_list_each_type_with_an_identity() {
    let mut h = start().await;
    let response = h
        .client
        .get_resource_identity_schemas(pb::get_resource_identity_schemas::Request {})
        .await
        .unwrap()
        .into_inner();
    assert!(response.diagnostics.is_empty());
    assert_eq!(
        response.identity_schemas.keys().collect::<Vec<_>>(),
        ["toy_thing"]
    );
    let schema = &response.identity_schemas["toy_thing"];
    assert_eq!(schema.version, 0);
    let attributes: Vec<_> = schema
        .identity_attributes
        .iter()
        .map(|a| {
            (
                a.name.as_str(),
                a.r#type.as_slice(),
                a.required_for_import,
                a.optional_for_import,
            )
        })
        .collect();
    assert_eq!(
        attributes,
        [
            ("name", b"\"string\"".as_slice(), true, false),
            ("region", b"\"string\"".as_slice(), false, true)
        ]
    );
}

#[tokio::test]
async fn schema_and_metadata_advertise_the_list_resource_and_config_generation() {
    let mut h = start().await;
    let schema = h
        .client
        .get_provider_schema(pb::get_provider_schema::Request {})
        .await
        .unwrap()
        .into_inner();
    assert!(schema.diagnostics.is_empty(), "{:?}", schema.diagnostics);
    let capabilities = schema.server_capabilities.unwrap();
    assert!(capabilities.generate_resource_config);
    assert!(capabilities.plan_destroy);
    // Only the inside of `config {}`: Terraform adds the wrapper.
    let block = schema.list_resource_schemas["toy_thing"]
        .block
        .clone()
        .unwrap();
    let names: Vec<_> = block.attributes.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["name_prefix", "endless", "fail_after", "warn"]);
    assert!(block.block_types.is_empty());

    let metadata = h
        .client
        .get_metadata(pb::get_metadata::Request {})
        .await
        .unwrap()
        .into_inner();
    let lists: Vec<_> = metadata
        .list_resources
        .iter()
        .map(|l| l.type_name.as_str())
        .collect();
    assert_eq!(lists, ["toy_thing"]);
    assert_eq!(metadata.server_capabilities, Some(capabilities));
}

#[tokio::test]
async fn create_plans_and_applies_an_identity_and_updates_keep_it() {
    let mut h = start().await;
    let cfg = config("a", None);
    let planned = plan(&mut h, &Value::Null, None, &cfg).await;
    assert!(planned.diagnostics.is_empty(), "{:?}", planned.diagnostics);
    assert_eq!(un_id(&planned.planned_identity), Some(thing_identity("a")));
    let applied = apply(&mut h, &Value::Null, &planned, &cfg).await;
    assert_eq!(un_id(&applied.new_identity), Some(thing_identity("a")));
    let state = undv(&applied.new_state);

    let identity = thing_identity("a");
    let changed = config("a", Some("new"));
    let update = plan(&mut h, &state, Some(&identity), &changed).await;
    assert!(update.requires_replace.is_empty());
    assert_eq!(un_id(&update.planned_identity), Some(identity.clone()));
    let updated = apply(&mut h, &state, &update, &changed).await;
    assert!(updated.diagnostics.is_empty(), "{:?}", updated.diagnostics);
    assert_eq!(un_id(&updated.new_identity), Some(identity));
}

#[tokio::test]
async fn a_replacement_plans_the_new_objects_identity() {
    let mut h = start().await;
    let (state, identity) = create(&mut h, "a").await;
    let replaced = plan(&mut h, &state, Some(&identity), &config("b", None)).await;
    assert!(
        replaced.diagnostics.is_empty(),
        "{:?}",
        replaced.diagnostics
    );
    assert_eq!(replaced.requires_replace.len(), 1);
    assert_eq!(un_id(&replaced.planned_identity), Some(thing_identity("b")));
}

#[tokio::test]
async fn a_delete_answers_without_identity() {
    let mut h = start().await;
    let (state, _) = create(&mut h, "a").await;
    let destroy = pb::plan_resource_change::Response {
        planned_state: dv(&Value::Null),
        ..Default::default()
    };
    let deleted = apply(&mut h, &state, &destroy, &Value::Null).await;
    assert!(deleted.diagnostics.is_empty(), "{:?}", deleted.diagnostics);
    assert!(undv(&deleted.new_state).is_null());
    assert_eq!(deleted.new_identity, None);
}

#[tokio::test]
async fn read_computes_an_identity_for_states_that_have_none() {
    // As Terraform 1.0.3 leaves states, and as 1.12+ reads them.
    let mut h = start().await;
    let (state, _) = create(&mut h, "a").await;
    let refreshed = read(&mut h, &state, None).await;
    assert!(refreshed.diagnostics.is_empty());
    assert_eq!(un_id(&refreshed.new_identity), Some(thing_identity("a")));
}

#[tokio::test]
async fn read_fills_null_identity_attributes_and_refuses_changes() {
    let mut h = start().await;
    let (state, _) = create(&mut h, "a").await;
    let partial = Value::object([("name", s("a")), ("region", Value::Null)]);
    let filled = read(&mut h, &state, Some(&partial)).await;
    assert!(filled.diagnostics.is_empty(), "{:?}", filled.diagnostics);
    assert_eq!(un_id(&filled.new_identity), Some(thing_identity("a")));

    let other = thing_identity("other");
    let changed = read(&mut h, &state, Some(&other)).await;
    assert_eq!(errors(&changed.diagnostics), ["Unexpected Identity Change"]);
    assert_eq!(undv(&changed.new_state), state);
    assert_eq!(un_id(&changed.new_identity), Some(other));
}

#[tokio::test]
async fn a_failed_read_keeps_the_identity_and_a_gone_object_has_none() {
    let mut h = start().await;
    let (state, identity) = create(&mut h, "a").await;
    let mut flaky = state.clone();
    *flaky.get_attr_mut("id").unwrap() = s("flaky");
    let failed = read(&mut h, &flaky, Some(&identity)).await;
    assert_eq!(errors(&failed.diagnostics), ["Read failed"]);
    assert_eq!(un_id(&failed.new_identity), Some(identity.clone()));

    h.provider.backend.things.lock().unwrap().clear();
    let gone = read(&mut h, &state, Some(&identity)).await;
    assert!(undv(&gone.new_state).is_null());
    assert_eq!(gone.new_identity, None);
}

async fn import(
    h: &mut Harness,
    id: &str,
    identity: Option<&Value>,
) -> pb::import_resource_state::Response {
    h.client
        .import_resource_state(pb::import_resource_state::Request {
            type_name: "toy_thing".into(),
            id: id.into(),
            identity: identity.and_then(id_data),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
}

#[tokio::test]
async fn import_by_id_carries_the_identity_the_stub_gives() {
    let mut h = start().await;
    let imported = import(&mut h, "a", None).await;
    assert!(imported.diagnostics.is_empty());
    let object = &imported.imported_resources[0];
    assert_eq!(un_id(&object.identity), Some(thing_identity("a")));
}

#[tokio::test]
async fn import_by_identity_completes_the_identity_and_checks_it() {
    let mut h = start().await;
    let requested = Value::object([("name", s("b")), ("region", Value::Null)]);
    let imported = import(&mut h, "", Some(&requested)).await;
    assert!(
        imported.diagnostics.is_empty(),
        "{:?}",
        imported.diagnostics
    );
    assert_eq!(imported.imported_resources.len(), 1);
    let object = &imported.imported_resources[0];
    assert_eq!(object.type_name, "toy_thing");
    assert_eq!(undv(&object.state).get_attr("id"), Some(&s("b")));
    assert_eq!(un_id(&object.identity), Some(thing_identity("b")));

    let nameless = Value::object([("name", Value::Null), ("region", s("local"))]);
    let missing = import(&mut h, "", Some(&nameless)).await;
    assert_eq!(
        errors(&missing.diagnostics),
        ["Missing required identity attribute"]
    );
    assert!(missing.imported_resources.is_empty());

    let elsewhere = Value::object([("name", s("b")), ("region", s("elsewhere"))]);
    let conflicting = import(&mut h, "", Some(&elsewhere)).await;
    assert_eq!(
        errors(&conflicting.diagnostics),
        ["Unexpected Identity Change"]
    );
    assert!(conflicting.imported_resources.is_empty());
}

async fn upgrade(
    h: &mut Harness,
    version: i64,
    raw: Option<&[u8]>,
) -> pb::upgrade_resource_identity::Response {
    h.client
        .upgrade_resource_identity(pb::upgrade_resource_identity::Request {
            type_name: "toy_thing".into(),
            version,
            raw_identity: raw.map(|json| pb::RawState {
                json: json.to_vec(),
                ..Default::default()
            }),
        })
        .await
        .unwrap()
        .into_inner()
}

#[tokio::test]
async fn upgrade_identity_without_a_payload_answers_nothing_without_error() {
    let mut h = start().await;
    for raw in [None, Some(b"".as_slice())] {
        let upgraded = upgrade(&mut h, 0, raw).await;
        assert!(
            upgraded.diagnostics.is_empty(),
            "{:?}",
            upgraded.diagnostics
        );
        assert_eq!(upgraded.upgraded_identity, None);
    }
}

#[tokio::test]
async fn upgrade_identity_decodes_a_stored_identity() {
    let mut h = start().await;
    let upgraded = upgrade(&mut h, 0, Some(br#"{"name":"a","region":"local"}"#)).await;
    assert!(
        upgraded.diagnostics.is_empty(),
        "{:?}",
        upgraded.diagnostics
    );
    assert_eq!(
        un_id(&upgraded.upgraded_identity),
        Some(thing_identity("a"))
    );
    let newer = upgrade(&mut h, 1, Some(br#"{"name":"a"}"#)).await;
    assert_eq!(
        errors(&newer.diagnostics),
        ["Resource identity from a newer provider"]
    );
    assert_eq!(newer.upgraded_identity, None);
}

fn list_config(attributes: &[(&str, Value)]) -> Option<pb::DynamicValue> {
    let mut config = Value::object([
        ("name_prefix", Value::Null),
        ("endless", Value::Null),
        ("fail_after", Value::Null),
        ("warn", Value::Null),
    ]);
    for (name, value) in attributes {
        *config.get_attr_mut(name).unwrap() = value.clone();
    }
    encoded(&config, &thing_list_config_schema().implied_type())
}

async fn list(
    h: &mut Harness,
    attributes: &[(&str, Value)],
    include_resource: bool,
    limit: i64,
) -> Streaming<pb::list_resource::Event> {
    h.client
        .list_resource(pb::list_resource::Request {
            type_name: "toy_thing".into(),
            config: list_config(attributes),
            include_resource_object: include_resource,
            limit,
        })
        .await
        .unwrap()
        .into_inner()
}

/// Every event up to the end of the stream.
async fn drain(mut events: Streaming<pb::list_resource::Event>) -> Vec<pb::list_resource::Event> {
    let mut all = Vec::new();
    while let Some(event) = tokio::time::timeout(HANG_GUARD, events.message())
        .await
        .expect("the stream must end")
        .unwrap()
    {
        all.push(event);
    }
    all
}

async fn listing_dropped(h: &Harness) {
    tokio::time::timeout(HANG_GUARD, h.provider.backend.listing_dropped.notified())
        .await
        .expect("the listing must be dropped");
}

#[tokio::test]
async fn list_streams_identities_with_resource_objects_only_when_asked() {
    let mut h = start().await;
    let mut states = Vec::new();
    for name in ["a", "b", "c"] {
        states.push(create(&mut h, name).await.0);
    }
    let with = drain(list(&mut h, &[], true, 100).await).await;
    assert_eq!(with.len(), 3);
    for (event, (state, name)) in with.iter().zip(states.iter().zip(["a", "b", "c"])) {
        assert!(event.diagnostic.is_empty(), "{:?}", event.diagnostic);
        assert_eq!(un_id(&event.identity), Some(thing_identity(name)));
        assert_eq!(event.display_name, format!("thing {name}"));
        assert_eq!(&undv(&event.resource_object), state);
    }
    let without = drain(list(&mut h, &[], false, 100).await).await;
    assert_eq!(without.len(), 3);
    assert!(without.iter().all(|e| e.resource_object.is_none()));
    assert_eq!(un_id(&without[1].identity), Some(thing_identity("b")));
}

#[tokio::test]
async fn list_stops_at_the_limit_without_pulling_further() {
    let mut h = start().await;
    let events = drain(list(&mut h, &[("endless", Value::Bool(true))], false, 3).await).await;
    let names: Vec<_> = events.iter().map(|e| e.display_name.as_str()).collect();
    assert_eq!(
        names,
        ["thing made-up-0", "thing made-up-1", "thing made-up-2"]
    );
    listing_dropped(&h).await;
    assert_eq!(h.provider.backend.listed.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn a_client_dropping_the_stream_stops_the_listing() {
    let mut h = start().await;
    let mut events = list(&mut h, &[("endless", Value::Bool(true))], false, i64::MAX).await;
    for _ in 0..5 {
        let event = events.message().await.unwrap().unwrap();
        assert!(event.identity.is_some());
    }
    drop(events);
    listing_dropped(&h).await;
    let produced = h.provider.backend.listed.load(Ordering::SeqCst);
    assert!(produced >= 5, "{produced}");
    // Pulled only as far as flow control let it run ahead (a window and
    // tonic's 32 KiB encoding chunk of events of 40 bytes or more), then
    // released.
    assert!(produced < 10_000, "{produced}");
    // A dropped listing is never polled again: later traffic changes nothing.
    create(&mut h, "after").await;
    assert_eq!(h.provider.backend.listed.load(Ordering::SeqCst), produced);
}

#[tokio::test]
async fn an_error_mid_stream_is_a_last_diagnostic_event() {
    let mut h = start().await;
    for name in ["a", "b", "c"] {
        create(&mut h, name).await;
    }
    let events = drain(
        list(
            &mut h,
            &[("fail_after", Value::Number(Number::from_i64(2)))],
            false,
            100,
        )
        .await,
    )
    .await;
    assert_eq!(events.len(), 3);
    assert!(events[..2]
        .iter()
        .all(|e| e.identity.is_some() && e.diagnostic.is_empty()));
    let last = &events[2];
    assert_eq!(errors(&last.diagnostic), ["Listing failed"]);
    assert!(last.identity.is_none());
    listing_dropped(&h).await;
}

#[tokio::test]
async fn warnings_alone_are_sent_and_the_listing_goes_on() {
    let mut h = start().await;
    create(&mut h, "a").await;
    let events = drain(list(&mut h, &[("warn", Value::Bool(true))], false, 100).await).await;
    assert_eq!(events.len(), 2);
    assert_eq!(
        summaries(&events[0].diagnostic, pb::diagnostic::Severity::Warning),
        ["Listing is slow"]
    );
    assert!(events[0].identity.is_none());
    assert_eq!(un_id(&events[1].identity), Some(thing_identity("a")));
}

#[tokio::test]
async fn empty_listings_and_a_zero_limit_end_without_events() {
    let mut h = start().await;
    create(&mut h, "a").await;
    let none = drain(list(&mut h, &[("name_prefix", s("zzz"))], true, 100).await).await;
    assert!(none.is_empty());
    let zero = drain(list(&mut h, &[], true, 0).await).await;
    assert!(zero.is_empty());
}

#[tokio::test]
async fn an_unknown_list_type_is_one_error_event_not_a_status() {
    let mut h = start().await;
    let events = h
        .client
        .list_resource(pb::list_resource::Request {
            type_name: "toy_nope".into(),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let events = drain(events).await;
    assert_eq!(events.len(), 1);
    assert_eq!(
        errors(&events[0].diagnostic),
        ["Unknown list resource type"]
    );
}

#[tokio::test]
async fn validate_list_config_points_inside_the_config_block() {
    let mut h = start().await;
    let validate = |attributes: &[(&str, Value)]| pb::validate_list_resource_config::Request {
        type_name: "toy_thing".into(),
        config: list_config(attributes),
        ..Default::default()
    };
    let bad = h
        .client
        .validate_list_resource_config(validate(&[("name_prefix", s("Bad Prefix"))]))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(errors(&bad.diagnostics).len(), 1);
    assert_eq!(
        attribute_names(&bad.diagnostics[0]),
        ["config", "name_prefix"]
    );

    let conflicting = h
        .client
        .validate_list_resource_config(validate(&[
            ("endless", Value::Bool(true)),
            ("fail_after", Value::Number(Number::from_i64(1))),
        ]))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(errors(&conflicting.diagnostics), ["Conflicting arguments"]);
    assert_eq!(
        attribute_names(&conflicting.diagnostics[0]),
        ["config", "fail_after"]
    );

    let fine = h
        .client
        .validate_list_resource_config(validate(&[("name_prefix", s("web-"))]))
        .await
        .unwrap()
        .into_inner();
    assert!(fine.diagnostics.is_empty(), "{:?}", fine.diagnostics);
}

async fn generate(h: &mut Harness, state: &Value) -> pb::generate_resource_config::Response {
    h.client
        .generate_resource_config(pb::generate_resource_config::Request {
            type_name: "toy_thing".into(),
            state: dv(state),
        })
        .await
        .unwrap()
        .into_inner()
}

#[tokio::test]
async fn generate_config_of_a_null_state_is_null() {
    let mut h = start().await;
    let generated = generate(&mut h, &Value::Null).await;
    assert!(
        generated.diagnostics.is_empty(),
        "{:?}",
        generated.diagnostics
    );
    assert!(undv(&generated.config).is_null());
}

#[tokio::test]
async fn generate_config_keeps_what_a_user_sets_and_nulls_the_rest() {
    let mut h = start().await;
    let cfg = config("a", Some("first"));
    let planned = plan(&mut h, &Value::Null, None, &cfg).await;
    let state = undv(&apply(&mut h, &Value::Null, &planned, &cfg).await.new_state);
    let generated = generate(&mut h, &state).await;
    assert!(
        generated.diagnostics.is_empty(),
        "{:?}",
        generated.diagnostics
    );
    let config = undv(&generated.config);
    assert_eq!(config.get_attr("name"), Some(&s("a")));
    assert_eq!(config.get_attr("description"), Some(&s("first")));
    assert_eq!(
        config.get_attr("spec"),
        Some(&Value::object([("kind", s("small"))]))
    );
    // The hook's choice: the default mode is left out.
    assert_eq!(config.get_attr("mode"), Some(&Value::Null));
    // Computed-only, so null whatever the hook returned.
    for computed in ["id", "created_at", "revision"] {
        assert_eq!(config.get_attr(computed), Some(&Value::Null), "{computed}");
    }
}
