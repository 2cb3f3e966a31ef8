//! Schemas in their protocol form, as GetProviderSchema returns them. Every
//! description is Markdown; protocol-6 nested attributes are never used
//! (Terraform 1.0.0–1.0.8 crash on them), so blocks carry all nesting.

use crate::plugin::proto::tfplugin6 as pb;
use crate::plugin::schema::{
    Attribute, Block, ForImport, IdentitySchema, NestedBlock, Nesting, Presence, Schema,
};

/// The protocol form of a schema.
pub(crate) fn schema(schema: &Schema) -> pb::Schema {
    pb::Schema {
        version: schema.version,
        block: Some(block(&schema.block)),
    }
}

impl Schema {
    /// The protocol form, as GetProviderSchema sends it.
    pub fn to_proto(&self) -> pb::Schema {
        schema(self)
    }
}

/// The protocol form of an identity schema, as GetResourceIdentitySchemas
/// returns it. The type JSON always parses: Terraform panics on one that
/// does not.
pub(crate) fn identity_schema(schema: &IdentitySchema) -> pb::ResourceIdentitySchema {
    pb::ResourceIdentitySchema {
        version: schema.version,
        identity_attributes: schema
            .attributes
            .iter()
            .map(
                |attribute| pb::resource_identity_schema::IdentityAttribute {
                    name: attribute.name.clone(),
                    r#type: attribute.ty.to_json(),
                    required_for_import: attribute.for_import == ForImport::Required,
                    optional_for_import: attribute.for_import == ForImport::Optional,
                    description: attribute.description.clone(),
                },
            )
            .collect(),
    }
}

fn block(block: &Block) -> pb::schema::Block {
    pb::schema::Block {
        version: 0,
        attributes: block.attributes.iter().map(attribute).collect(),
        block_types: block.blocks.iter().map(nested_block).collect(),
        description: block.description.clone(),
        description_kind: pb::StringKind::Markdown as i32,
        deprecated: block.deprecated,
    }
}

fn attribute(attribute: &Attribute) -> pb::schema::Attribute {
    pb::schema::Attribute {
        name: attribute.name.clone(),
        r#type: attribute.ty.to_json(),
        nested_type: None,
        description: attribute.description.clone(),
        required: attribute.presence == Presence::Required,
        optional: matches!(
            attribute.presence,
            Presence::Optional | Presence::OptionalComputed
        ),
        computed: attribute.is_computed(),
        sensitive: attribute.sensitive,
        description_kind: pb::StringKind::Markdown as i32,
        deprecated: attribute.deprecated,
        write_only: false,
    }
}

fn nested_block(nested: &NestedBlock) -> pb::schema::NestedBlock {
    use pb::schema::nested_block::NestingMode;
    pb::schema::NestedBlock {
        type_name: nested.name.clone(),
        block: Some(block(&nested.block)),
        nesting: match nested.nesting {
            Nesting::Single => NestingMode::Single,
            Nesting::List => NestingMode::List,
            Nesting::Set => NestingMode::Set,
        } as i32,
        min_items: nested.min_items,
        max_items: nested.max_items,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::plugin::schema::IdentityAttribute;
    use crate::plugin::value::Type;

    #[test]
    fn identity_attributes_carry_exactly_one_import_flag() {
        let proto = identity_schema(&IdentitySchema::new(vec![
            IdentityAttribute::required_for_import("name", Type::String, "Name."),
            IdentityAttribute::optional_for_import("region", Type::String, "Region."),
        ]));
        let flags: Vec<_> = proto
            .identity_attributes
            .iter()
            .map(|a| {
                (
                    a.name.as_str(),
                    a.required_for_import,
                    a.optional_for_import,
                )
            })
            .collect();
        assert_eq!(flags, [("name", true, false), ("region", false, true)]);
        assert_eq!(proto.identity_attributes[0].r#type, b"\"string\"");
        assert_eq!(proto.version, 0);
    }

    #[test]
    fn presence_maps_to_the_three_flags() {
        let flags = |a: &pb::schema::Attribute| (a.required, a.optional, a.computed);
        let proto = schema(&Schema::new(
            Block::new("b")
                .attribute(Attribute::required("r", Type::String, "r"))
                .attribute(Attribute::optional("o", Type::String, "o"))
                .attribute(Attribute::computed("c", Type::String, "c"))
                .attribute(Attribute::optional_computed("oc", Type::String, "oc"))
                .nested(NestedBlock::list("l", Block::new("l")).items(1, 2)),
        ));
        let block = proto.block.unwrap();
        let all: Vec<_> = block.attributes.iter().map(flags).collect();
        assert_eq!(
            all,
            [
                (true, false, false),
                (false, true, false),
                (false, false, true),
                (false, true, true)
            ]
        );
        let list = &block.block_types[0];
        assert_eq!(
            list.nesting,
            pb::schema::nested_block::NestingMode::List as i32
        );
        assert_eq!((list.min_items, list.max_items), (1, 2));
        assert_eq!(block.description_kind, pb::StringKind::Markdown as i32);
    }
}
