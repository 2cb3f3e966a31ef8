//! ReadDataSource.

use super::{cancellable, DataSourceEntry, ProviderService};
use crate::plugin::diag::Diagnostics;
use crate::plugin::lifecycle;
use crate::plugin::proto::tfplugin6 as pb;
use crate::plugin::wire::encode;

impl ProviderService {
    pub(super) async fn read_data(
        &self,
        entry: &DataSourceEntry,
        request: pb::read_data_source::Request,
    ) -> Result<pb::read_data_source::Response, Diagnostics> {
        let config = entry.config_check().decode(request.config.as_ref())?;
        let ctx = self.context();
        let state = cancellable(&ctx, "Read", entry.data_source.read(&ctx, &config)).await??;
        let state = lifecycle::data_source_result(&request.type_name, state)?;
        Ok(pb::read_data_source::Response {
            state: Some(encode(&state, &entry.ty)?),
            ..Default::default()
        })
    }
}
