//! Resource identity on the wire: GetResourceIdentitySchemas,
//! UpgradeResourceIdentity, and the per-resource helpers the managed
//! resource RPCs use to decode, derive and encode identities. The rules are
//! [`identity`](crate::plugin::identity)'s.

use std::collections::HashMap;

use super::{ProviderService, ResourceEntry};
use crate::plugin::diag::Diagnostics;
use crate::plugin::identity;
use crate::plugin::proto::tfplugin6 as pb;
use crate::plugin::value::Value;
use crate::plugin::wire;

/// GetResourceIdentitySchemas' answer: every type with an identity schema.
pub(super) fn schemas_response(
    resources: &HashMap<&'static str, ResourceEntry>,
) -> pb::get_resource_identity_schemas::Response {
    pb::get_resource_identity_schemas::Response {
        identity_schemas: resources
            .iter()
            .filter_map(|(name, entry)| {
                let schema = entry.resource.identity_schema()?;
                Some((name.to_string(), wire::identity_schema(schema)))
            })
            .collect(),
        diagnostics: Vec::new(),
    }
}

impl ResourceEntry {
    /// The identity the resource derives from `state`, every attribute
    /// present; `None` without an identity schema or for a null state.
    pub(super) fn derive_identity(&self, state: &Value) -> Option<Value> {
        let schema = self.resource.identity_schema()?;
        if state.is_null() {
            return None;
        }
        self.resource
            .identity(state)
            .map(|identity| schema.complete(identity))
    }

    /// An identity Terraform sent. Ignored for a type without an identity
    /// schema (Terraform sends none for one).
    pub(super) fn decode_identity(
        &self,
        sent: Option<&pb::ResourceIdentityData>,
        what: &str,
    ) -> Result<Option<Value>, Diagnostics> {
        match &self.identity_ty {
            Some(ty) => wire::decode_identity(sent, ty, what),
            None => Ok(None),
        }
    }

    /// An identity to send; never one for a type without an identity
    /// schema, which Terraform would refuse.
    pub(super) fn encode_identity(
        &self,
        identity: Option<&Value>,
    ) -> Result<Option<pb::ResourceIdentityData>, Diagnostics> {
        match &self.identity_ty {
            Some(ty) => wire::encode_identity(identity, ty),
            None => Ok(None),
        }
    }

    /// What Terraform sent, echoed back as is where the answer keeps the
    /// prior object (a failed read or apply): omitting it would drop the
    /// identity from state.
    pub(super) fn echo_identity(
        &self,
        sent: Option<&pb::ResourceIdentityData>,
    ) -> Option<pb::ResourceIdentityData> {
        self.identity_ty.as_ref().and(sent.cloned())
    }

    /// The identity of a read, applied or imported `state`: settled with
    /// what Terraform sent, wholly known. Problems go to `diags`; on a
    /// change, what Terraform sent is kept.
    pub(super) fn settled_identity(
        &self,
        what: &str,
        sent: Option<&Value>,
        state: &Value,
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        if state.is_null() {
            return None;
        }
        let type_name = self.resource.type_name();
        let settled = identity::settle(type_name, what, sent, self.derive_identity(state))
            .unwrap_or_else(|problems| {
                diags.extend(problems);
                sent.cloned()
            });
        identity::known(type_name, settled).unwrap_or_else(|problems| {
            diags.extend(problems);
            None
        })
    }
}

impl ProviderService {
    pub(super) fn upgrade_identity(
        &self,
        entry: &ResourceEntry,
        request: pb::upgrade_resource_identity::Request,
    ) -> Result<pb::upgrade_resource_identity::Response, Diagnostics> {
        let (Some(schema), Some(ty)) = (entry.resource.identity_schema(), &entry.identity_ty)
        else {
            return Err(Diagnostics::from_error(
                "Resource type has no identity",
                format!(
                    "{} has no identity schema, so it has no stored identity to upgrade.",
                    request.type_name
                ),
            ));
        };
        let identity = identity::upgrade(
            &request.type_name,
            request.version,
            wire::stored_state(request.raw_identity.as_ref()),
            schema,
            ty,
        )?;
        // No stored identity answers no upgraded_identity, as both SDKs do:
        // Terraform then records a null identity and Read fills it in.
        Ok(pb::upgrade_resource_identity::Response {
            upgraded_identity: entry.encode_identity(identity.as_ref())?,
            diagnostics: Vec::new(),
        })
    }
}
