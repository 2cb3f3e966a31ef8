//! State in `--data-dir` survives restarts, including `kill -9` during a burst of writes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(deprecated)]

mod common;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use aws_sdk_proton::types::{Tag, TemplateVersionStatus};
use common::*;

#[tokio::test]
async fn state_survives_graceful_restart() {
    let data = tempfile::tempdir().unwrap();
    let data_dir = data.path().to_str().unwrap().to_string();
    let arn = {
        let mut local = Local::start(&[
            "--canned-bundles",
            "--data-dir",
            &data_dir,
            "--registration-delay",
            "0s",
        ]);
        let client = local.client();
        client
            .create_environment_template()
            .name("t")
            .description("kept")
            .send()
            .await
            .unwrap();
        create_env_version(&client, "t", None).await;
        create_env_version(&client, "t", Some("1")).await;
        create_env_version(&client, "t", None).await;
        wait_env_registered(&client, "t", "1", "1").await;
        publish_env(&client, "t", "1", "1").await;
        // 2.0 is deleted: its number must not be handed out again after the restart.
        client
            .delete_environment_template_version()
            .template_name("t")
            .major_version("2")
            .minor_version("0")
            .send()
            .await
            .unwrap();
        let arn = "arn:aws:proton:us-east-1:123456789012:environment-template/t:1.1";
        client
            .tag_resource()
            .resource_arn(arn)
            .tags(Tag::builder().key("k").value("v").build().unwrap())
            .send()
            .await
            .unwrap();
        assert!(local.terminate().success());
        arn
    };
    let local = Local::start(&[
        "--canned-bundles",
        "--data-dir",
        &data_dir,
        "--registration-delay",
        "0s",
    ]);
    let client = local.client();
    let t = client
        .get_environment_template()
        .name("t")
        .send()
        .await
        .unwrap()
        .environment_template
        .unwrap();
    assert_eq!(t.description.as_deref(), Some("kept"));
    assert_eq!(t.recommended_version.as_deref(), Some("1.1"));
    let v = client
        .get_environment_template_version()
        .template_name("t")
        .major_version("1")
        .minor_version("1")
        .send()
        .await
        .unwrap()
        .environment_template_version
        .unwrap();
    assert_eq!(v.status, TemplateVersionStatus::Published);
    let tags = client
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .unwrap()
        .tags;
    assert!(tags.iter().any(|t| t.key == "k" && t.value == "v"));
    assert_eq!(
        create_env_version(&client, "t", None).await,
        ("3".into(), "0".into())
    );
}

#[tokio::test]
async fn pending_registration_completes_after_restart() {
    let data = tempfile::tempdir().unwrap();
    let data_dir = data.path().to_str().unwrap().to_string();
    {
        let mut local = Local::start(&[
            "--canned-bundles",
            "--data-dir",
            &data_dir,
            "--registration-delay",
            "300ms",
        ]);
        let client = local.client();
        create_env_template(&client, "t").await;
        client
            .create_environment_template_version()
            .template_name("t")
            .source(s3("bucket", "fail-registration.tar.gz"))
            .send()
            .await
            .unwrap();
        local.kill();
    }
    let local = Local::start(&["--canned-bundles", "--data-dir", &data_dir]);
    let v = wait_env_registered(&local.client(), "t", "1", "0").await;
    assert_eq!(v.status, TemplateVersionStatus::RegistrationFailed);
    assert!(v.status_message.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_writes_survive_kill_9() {
    let data = tempfile::tempdir().unwrap();
    let data_dir = data.path().to_str().unwrap().to_string();
    let mut local = Local::start(&[
        "--canned-bundles",
        "--data-dir",
        &data_dir,
        "--registration-delay",
        "0s",
    ]);
    let client = local.client();
    create_env_template(&client, "t").await;
    create_env_version(&client, "t", None).await;

    let acked: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let count = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let enough = Arc::new(tokio::sync::Notify::new());
    let mut tasks = Vec::new();
    for worker in 0..8 {
        let (client, acked, count, stop, enough) = (
            client.clone(),
            acked.clone(),
            count.clone(),
            stop.clone(),
            enough.clone(),
        );
        tasks.push(tokio::spawn(async move {
            while !stop.load(Ordering::SeqCst) {
                // Alternate new majors and new minors of major 1.
                let major = (worker % 2 == 0).then(|| "1".to_string());
                let result = client
                    .create_environment_template_version()
                    .template_name("t")
                    .set_major_version(major)
                    .source(s3("bucket", "b.tar.gz"))
                    .send()
                    .await;
                match result {
                    Ok(out) => {
                        let v = out.environment_template_version.unwrap();
                        acked
                            .lock()
                            .unwrap()
                            .push((v.major_version, v.minor_version));
                        if count.fetch_add(1, Ordering::SeqCst) + 1 == 60 {
                            enough.notify_one();
                        }
                    }
                    Err(_) => break,
                }
            }
        }));
    }
    enough.notified().await;
    // Kill while the workers are still sending.
    local.kill();
    stop.store(true, Ordering::SeqCst);
    for task in tasks {
        task.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= 60);

    let local = Local::start(&[
        "--canned-bundles",
        "--data-dir",
        &data_dir,
        "--registration-delay",
        "0s",
    ]);
    let client = local.client();
    for (major, minor) in &acked {
        client
            .get_environment_template_version()
            .template_name("t")
            .major_version(major)
            .minor_version(minor)
            .send()
            .await
            .unwrap_or_else(|e| panic!("acknowledged {major}.{minor} lost: {e:?}"));
    }
    // Numbers keep increasing past everything acknowledged.
    let (major, _) = create_env_version(&client, "t", None).await;
    let highest = acked
        .iter()
        .filter(|(_, minor)| minor == "0")
        .map(|(major, _)| major.parse::<u64>().unwrap())
        .max()
        .unwrap_or(1);
    assert!(major.parse::<u64>().unwrap() > highest);
}
