//! `#[derive(FromJson, ToJson)]` for `ghl_bridge::codec`.
//!
//! Why: serde's derived code is monomorphised per type and per (de)serializer, with a
//! visitor, a field identifier and the formatting of every "invalid type" message for
//! each type; across the full Wasm module that was the largest single part of its code.
//! These derives generate the project's own small codecs instead: a decoder over an
//! already parsed `serde_json::Value` (fields taken out of the object by name) and an
//! encoder into JSON text through `codec::Obj`.
//!
//! One declaration: the derives read the same `#[serde(...)]` attributes as serde's
//! (names, defaults, skips, tags), so a type states its JSON shape once and both
//! backends follow it; `tests/codec_derive.rs` holds them to the same results. An
//! attribute these derives do not implement is a compile error, never silently another
//! shape. The one attribute of their own: `#[json(decode_with = "path")]` beside a
//! `#[serde(deserialize_with = ...)]` (a `fn(Value) -> Result<T, DecodeError>`: serde's
//! function takes a deserializer, so the two cannot be one function).
//!
//! Where serde's reading is subtle, the derives follow it (each held by a case in
//! `tests/codec_derive.rs`): an enum's `deny_unknown_fields` refuses unknown fields of
//! its struct variants; an adjacently tagged unit variant's content, when present, must
//! be `null`; a `flatten` struct takes its own fields out of what is left
//! ([`FromJsonFields`](../ghl_bridge_codec/trait.FromJsonFields.html)), so a later
//! flattened map does not hold them again; a skipped field takes the field's or the
//! container's default; a field given under its name and an alias is refused.
//! Deliberate differences: a struct or tagged enum is read from an object only (serde
//! also reads a list of its fields in order, and, inside an untagged enum, a variant's
//! index as its tag).
//!
//! Supported (what the project uses): on containers `rename_all`, `rename_all_fields`,
//! `default`, `deny_unknown_fields`, `transparent`, `tag`, `content`, `untagged`; on
//! fields `rename`, `alias`, `default`, `default = "path"`, `skip`,
//! `skip_serializing_if`, `flatten`, `deserialize_with` (with `json(decode_with)`); on
//! variants `rename`, `alias`. Structs with named fields, newtype and unit structs;
//! enums with unit, newtype and struct variants, externally, internally, adjacently
//! tagged or untagged.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::{
    parse_macro_input, Attribute, Data, DeriveInput, Error, Fields, Generics, Ident, LitStr, Path,
    Type,
};

/// Derives `FromJson` (see the crate doc).
#[proc_macro_derive(FromJson, attributes(serde, json))]
pub fn derive_from_json(input: proc_macro::TokenStream) -> proc_macro::TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand(&input, Direction::Decode)
        .unwrap_or_else(Error::into_compile_error)
        .into()
}

/// Derives `ToJson` and, for structs with named fields, `ToJsonFields` (see the crate doc).
#[proc_macro_derive(ToJson, attributes(serde, json))]
pub fn derive_to_json(input: proc_macro::TokenStream) -> proc_macro::TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand(&input, Direction::Encode)
        .unwrap_or_else(Error::into_compile_error)
        .into()
}

#[derive(Clone, Copy, PartialEq)]
enum Direction {
    Decode,
    Encode,
}

// ---------------------------------------------------------------------------------------
// Attributes

#[derive(Clone, Copy)]
enum Case {
    Lower,
    Upper,
    Pascal,
    Camel,
    Snake,
    ScreamingSnake,
    Kebab,
    ScreamingKebab,
}

impl Case {
    fn parse(s: &LitStr) -> syn::Result<Case> {
        Ok(match s.value().as_str() {
            "lowercase" => Case::Lower,
            "UPPERCASE" => Case::Upper,
            "PascalCase" => Case::Pascal,
            "camelCase" => Case::Camel,
            "snake_case" => Case::Snake,
            "SCREAMING_SNAKE_CASE" => Case::ScreamingSnake,
            "kebab-case" => Case::Kebab,
            "SCREAMING-KEBAB-CASE" => Case::ScreamingKebab,
            _ => return Err(Error::new(s.span(), "unknown rename rule")),
        })
    }

    /// serde's rule for a variant name (written in PascalCase).
    fn variant(self, name: &str) -> String {
        match self {
            Case::Pascal => name.to_string(),
            Case::Lower => name.to_ascii_lowercase(),
            Case::Upper => name.to_ascii_uppercase(),
            Case::Camel => {
                let mut c = name.chars();
                match c.next() {
                    Some(f) => f.to_ascii_lowercase().to_string() + c.as_str(),
                    None => String::new(),
                }
            }
            Case::Snake | Case::ScreamingSnake | Case::Kebab | Case::ScreamingKebab => {
                let mut snake = String::new();
                for (i, ch) in name.char_indices() {
                    if i > 0 && ch.is_uppercase() {
                        snake.push('_');
                    }
                    snake.push(ch.to_ascii_lowercase());
                }
                Case::rename_field(&snake, self)
            }
        }
    }

    /// serde's rule for a field name (written in snake_case).
    fn rename_field(name: &str, rule: Case) -> String {
        match rule {
            Case::Lower | Case::Snake => name.to_string(),
            Case::Upper | Case::ScreamingSnake => name.to_ascii_uppercase(),
            Case::Pascal => {
                let mut out = String::new();
                let mut capitalize = true;
                for ch in name.chars() {
                    if ch == '_' {
                        capitalize = true;
                    } else if capitalize {
                        out.push(ch.to_ascii_uppercase());
                        capitalize = false;
                    } else {
                        out.push(ch);
                    }
                }
                out
            }
            // serde's rule: the PascalCase name with its first character lower-cased
            // (so a leading `_` is dropped as in PascalCase).
            Case::Camel => {
                let pascal = Case::rename_field(name, Case::Pascal);
                let mut c = pascal.chars();
                match c.next() {
                    Some(f) => f.to_ascii_lowercase().to_string() + c.as_str(),
                    None => String::new(),
                }
            }
            Case::Kebab => name.replace('_', "-"),
            Case::ScreamingKebab => name.to_ascii_uppercase().replace('_', "-"),
        }
    }

    fn apply_field(rule: Option<Case>, name: &str) -> String {
        match rule {
            Some(r) => Case::rename_field(name, r),
            None => name.to_string(),
        }
    }
}

#[derive(Default)]
struct ContainerAttrs {
    rename_all: Option<Case>,
    rename_all_fields: Option<Case>,
    default: bool,
    deny_unknown_fields: bool,
    transparent: bool,
    tag: Option<String>,
    content: Option<String>,
    untagged: bool,
}

#[derive(Default)]
struct FieldAttrs {
    rename: Option<String>,
    aliases: Vec<String>,
    default: Option<FieldDefault>,
    skip: bool,
    skip_serializing_if: Option<Path>,
    flatten: bool,
    deserialize_with: bool,
    decode_with: Option<Path>,
}

enum FieldDefault {
    Trait,
    Path(Path),
}

#[derive(Default)]
struct VariantAttrs {
    rename: Option<String>,
    aliases: Vec<String>,
    rename_all: Option<Case>,
}

fn serde_attrs(
    attrs: &[Attribute],
    mut each: impl FnMut(&syn::meta::ParseNestedMeta<'_>) -> syn::Result<()>,
) -> syn::Result<()> {
    for attr in attrs {
        if attr.path().is_ident("serde") {
            attr.parse_nested_meta(|meta| each(&meta))?;
        }
    }
    Ok(())
}

fn lit(meta: &syn::meta::ParseNestedMeta<'_>) -> syn::Result<LitStr> {
    meta.value()?.parse::<LitStr>()
}

fn unsupported(meta: &syn::meta::ParseNestedMeta<'_>) -> Error {
    meta.error(
        "this serde attribute has no FromJson/ToJson counterpart (see ghl-bridge-codec-derive)",
    )
}

fn container_attrs(attrs: &[Attribute]) -> syn::Result<ContainerAttrs> {
    let mut c = ContainerAttrs::default();
    serde_attrs(attrs, |meta| {
        let p = &meta.path;
        if p.is_ident("rename_all") {
            c.rename_all = Some(Case::parse(&lit(meta)?)?);
        } else if p.is_ident("rename_all_fields") {
            c.rename_all_fields = Some(Case::parse(&lit(meta)?)?);
        } else if p.is_ident("default") {
            c.default = true;
        } else if p.is_ident("deny_unknown_fields") {
            c.deny_unknown_fields = true;
        } else if p.is_ident("transparent") {
            c.transparent = true;
        } else if p.is_ident("tag") {
            c.tag = Some(lit(meta)?.value());
        } else if p.is_ident("content") {
            c.content = Some(lit(meta)?.value());
        } else if p.is_ident("untagged") {
            c.untagged = true;
        } else {
            return Err(unsupported(meta));
        }
        Ok(())
    })?;
    Ok(c)
}

fn field_attrs(attrs: &[Attribute]) -> syn::Result<FieldAttrs> {
    let mut f = FieldAttrs::default();
    serde_attrs(attrs, |meta| {
        let p = &meta.path;
        if p.is_ident("rename") {
            f.rename = Some(lit(meta)?.value());
        } else if p.is_ident("alias") {
            f.aliases.push(lit(meta)?.value());
        } else if p.is_ident("default") {
            f.default = Some(if meta.input.peek(syn::Token![=]) {
                FieldDefault::Path(lit(meta)?.parse()?)
            } else {
                FieldDefault::Trait
            });
        } else if p.is_ident("skip") {
            f.skip = true;
        } else if p.is_ident("skip_serializing_if") {
            f.skip_serializing_if = Some(lit(meta)?.parse()?);
        } else if p.is_ident("flatten") {
            f.flatten = true;
        } else if p.is_ident("deserialize_with") {
            lit(meta)?;
            f.deserialize_with = true;
        } else {
            return Err(unsupported(meta));
        }
        Ok(())
    })?;
    for attr in attrs {
        if attr.path().is_ident("json") {
            attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("decode_with") {
                    f.decode_with = Some(lit(&meta)?.parse()?);
                    Ok(())
                } else {
                    Err(meta.error("expected `decode_with = \"path\"`"))
                }
            })?;
        }
    }
    Ok(f)
}

fn variant_attrs(attrs: &[Attribute]) -> syn::Result<VariantAttrs> {
    let mut v = VariantAttrs::default();
    serde_attrs(attrs, |meta| {
        let p = &meta.path;
        if p.is_ident("rename") {
            v.rename = Some(lit(meta)?.value());
        } else if p.is_ident("alias") {
            v.aliases.push(lit(meta)?.value());
        } else if p.is_ident("rename_all") {
            v.rename_all = Some(Case::parse(&lit(meta)?)?);
        } else {
            return Err(unsupported(meta));
        }
        Ok(())
    })?;
    Ok(v)
}

// ---------------------------------------------------------------------------------------
// The model: a type's fields and variants with their JSON names

struct Field {
    /// The Rust member (`self.<member>`, or the binding in a variant).
    member: Ident,
    ty: Type,
    json: String,
    attrs: FieldAttrs,
}

enum Shape {
    /// Named fields (a struct, or a struct variant).
    Named(Vec<Field>),
    /// One unnamed field.
    Newtype(Type),
    Unit,
}

struct Variant {
    ident: Ident,
    json: String,
    aliases: Vec<String>,
    shape: Shape,
}

fn unraw(ident: &Ident) -> String {
    let s = ident.to_string();
    s.strip_prefix("r#").map(str::to_string).unwrap_or(s)
}

fn shape(fields: &Fields, rule: Option<Case>) -> syn::Result<Shape> {
    match fields {
        Fields::Named(named) => {
            let mut out = Vec::new();
            for f in &named.named {
                let member = f.ident.clone().expect("named field");
                let attrs = field_attrs(&f.attrs)?;
                if attrs.deserialize_with && attrs.decode_with.is_none() {
                    return Err(Error::new_spanned(
                        &member,
                        "a field with `deserialize_with` needs `#[json(decode_with = \"...\")]`",
                    ));
                }
                let json = attrs
                    .rename
                    .clone()
                    .unwrap_or_else(|| Case::apply_field(rule, &unraw(&member)));
                out.push(Field {
                    member,
                    ty: f.ty.clone(),
                    json,
                    attrs,
                });
            }
            Ok(Shape::Named(out))
        }
        Fields::Unnamed(unnamed) if unnamed.unnamed.len() == 1 => {
            let f = &unnamed.unnamed[0];
            let attrs = field_attrs(&f.attrs)?;
            if attrs.rename.is_some() || attrs.flatten || attrs.skip || attrs.default.is_some() {
                return Err(Error::new_spanned(
                    f,
                    "unsupported attribute on a newtype field",
                ));
            }
            Ok(Shape::Newtype(f.ty.clone()))
        }
        Fields::Unnamed(unnamed) => Err(Error::new_spanned(
            unnamed,
            "tuple types with more than one field are not supported",
        )),
        Fields::Unit => Ok(Shape::Unit),
    }
}

fn codec() -> TokenStream {
    quote!(::ghl_bridge_codec)
}

fn bounded(generics: &Generics, bound: TokenStream) -> Generics {
    let mut g = generics.clone();
    for p in g.type_params_mut() {
        p.bounds.push(syn::parse2(bound.clone()).expect("bound"));
    }
    g
}

fn expand(input: &DeriveInput, dir: Direction) -> syn::Result<TokenStream> {
    let c = container_attrs(&input.attrs)?;
    let name = &input.ident;
    let name_text = name.to_string();
    let codec = codec();
    let body = match &input.data {
        Data::Struct(s) => {
            if c.tag.is_some() || c.untagged || c.content.is_some() {
                return Err(Error::new_spanned(name, "tags are for enums"));
            }
            let shape = shape(&s.fields, c.rename_all)?;
            if c.transparent && matches!(shape, Shape::Newtype(_)) {
                // A newtype struct is its field already.
                match dir {
                    Direction::Decode => decode_newtype_struct(&shape),
                    Direction::Encode => quote!(#codec::ToJson::write_json(&self.0, out)),
                }
            } else if c.transparent {
                let Shape::Named(fields) = &shape else {
                    return Err(Error::new_spanned(name, "transparent needs one field"));
                };
                let [f] = fields.as_slice() else {
                    return Err(Error::new_spanned(
                        name,
                        "transparent needs exactly one field",
                    ));
                };
                let member = &f.member;
                let ty = &f.ty;
                match dir {
                    Direction::Decode => quote! {
                        Ok(Self { #member: <#ty as #codec::FromJson>::from_json(v)? })
                    },
                    Direction::Encode => quote! {
                        #codec::ToJson::write_json(&self.#member, out)
                    },
                }
            } else {
                match (dir, &shape) {
                    (Direction::Decode, Shape::Named(fields)) => {
                        // The same reading twice: `from_json` over the whole object, and
                        // `FromJsonFields` (what a `flatten` field of this type reads,
                        // taking its fields out of what is left, as serde does), which is
                        // only compiled in where a type is flattened (one function per
                        // type, not a call more for every other).
                        let whole =
                            decode_named(fields, c.default, c.deny_unknown_fields, quote!(Self))?;
                        let part = decode_named(fields, c.default, false, quote!(Self))?;
                        let expected = format!("struct {name_text}");
                        let (imp, ty_g, wh) = bounded(&input.generics, quote!(#codec::FromJson))
                            .split_for_impl()
                            .clone_tuple();
                        return Ok(quote! {
                            impl #imp #codec::FromJsonFields for #name #ty_g #wh {
                                fn from_json_fields(
                                    map: &mut #codec::derive::Map<String, #codec::derive::Value>,
                                ) -> Result<Self, #codec::DecodeError> {
                                    #part
                                }
                            }
                            impl #imp #codec::FromJson for #name #ty_g #wh {
                                fn from_json(v: #codec::derive::Value) -> Result<Self, #codec::DecodeError> {
                                    let mut map = #codec::derive::object(v, #expected)?;
                                    let map = &mut map;
                                    #whole
                                }
                            }
                        });
                    }
                    (Direction::Decode, Shape::Newtype(_)) => decode_newtype_struct(&shape),
                    (Direction::Decode, Shape::Unit) => {
                        let expected = format!("unit struct {name_text}");
                        quote! {
                            match v {
                                #codec::derive::Value::Null => Ok(Self),
                                other => Err(#codec::DecodeError::invalid_type(&other, #expected)),
                            }
                        }
                    }
                    (Direction::Encode, Shape::Named(fields)) => {
                        let writes = encode_fields(fields, |m| quote!(&self.#m));
                        let (imp, ty_g, wh) = bounded(&input.generics, quote!(#codec::ToJson))
                            .split_for_impl()
                            .clone_tuple();
                        let fields_impl = quote! {
                            impl #imp #codec::ToJsonFields for #name #ty_g #wh {
                                fn write_fields(&self, o: &mut #codec::Obj<'_>) {
                                    #writes
                                }
                            }
                        };
                        let (imp, ty_g, wh) = bounded(&input.generics, quote!(#codec::ToJson))
                            .split_for_impl()
                            .clone_tuple();
                        return Ok(quote! {
                            #fields_impl
                            impl #imp #codec::ToJson for #name #ty_g #wh {
                                fn write_json(&self, out: &mut String) {
                                    let mut o = #codec::Obj::begin(out);
                                    #codec::ToJsonFields::write_fields(self, &mut o);
                                    o.end();
                                }
                            }
                        });
                    }
                    (Direction::Encode, Shape::Newtype(_)) => {
                        quote!(#codec::ToJson::write_json(&self.0, out))
                    }
                    (Direction::Encode, Shape::Unit) => quote!(out.push_str("null")),
                }
            }
        }
        Data::Enum(e) => {
            let mut variants = Vec::new();
            for v in &e.variants {
                let a = variant_attrs(&v.attrs)?;
                let json = a.rename.clone().unwrap_or_else(|| match c.rename_all {
                    Some(rule) => rule.variant(&v.ident.to_string()),
                    None => v.ident.to_string(),
                });
                let rule = a.rename_all.or(c.rename_all_fields);
                variants.push(Variant {
                    ident: v.ident.clone(),
                    json,
                    aliases: a.aliases,
                    shape: shape(&v.fields, rule)?,
                });
            }
            match dir {
                Direction::Decode => decode_enum(&name_text, &variants, &c)?,
                Direction::Encode => encode_enum(&variants, &c)?,
            }
        }
        Data::Union(u) => {
            return Err(Error::new_spanned(
                u.union_token,
                "unions are not supported",
            ))
        }
    };
    Ok(match dir {
        Direction::Decode => {
            let (imp, ty_g, wh) = bounded(&input.generics, quote!(#codec::FromJson))
                .split_for_impl()
                .clone_tuple();
            quote! {
                impl #imp #codec::FromJson for #name #ty_g #wh {
                    fn from_json(v: #codec::derive::Value) -> Result<Self, #codec::DecodeError> {
                        #body
                    }
                }
            }
        }
        Direction::Encode => {
            let (imp, ty_g, wh) = bounded(&input.generics, quote!(#codec::ToJson))
                .split_for_impl()
                .clone_tuple();
            quote! {
                impl #imp #codec::ToJson for #name #ty_g #wh {
                    fn write_json(&self, out: &mut String) {
                        #body
                    }
                }
            }
        }
    })
}

fn decode_newtype_struct(shape: &Shape) -> TokenStream {
    let codec = codec();
    match shape {
        Shape::Newtype(ty) => quote!(Ok(Self(<#ty as #codec::FromJson>::from_json(v)?))),
        _ => quote!(),
    }
}

trait CloneTuple {
    fn clone_tuple(self) -> (TokenStream, TokenStream, TokenStream);
}

impl CloneTuple
    for (
        syn::ImplGenerics<'_>,
        syn::TypeGenerics<'_>,
        Option<&syn::WhereClause>,
    )
{
    fn clone_tuple(self) -> (TokenStream, TokenStream, TokenStream) {
        let (a, b, c) = self;
        (quote!(#a), quote!(#b), quote!(#c))
    }
}

// ---------------------------------------------------------------------------------------
// Decoding

/// The JSON names a struct's fields are read under (names and aliases), for the
/// message of an unknown field.
fn known_names(fields: &[Field]) -> Vec<String> {
    let mut known = Vec::new();
    for f in fields.iter().filter(|f| !f.attrs.skip && !f.attrs.flatten) {
        known.push(f.json.clone());
        known.extend(f.attrs.aliases.iter().cloned());
    }
    known
}

/// Statements taking `fields` out of `map` (a `&mut Map<String, Value>`) and building
/// `ctor { .. }`; `container_default` is whether a missing field takes its value from
/// the container's `Default` (serde's container `default`, structs only), `deny`
/// whether fields left over are refused (`deny_unknown_fields` on an enum: its struct
/// variants refuse them, as serde's do).
///
/// Every field is read into an `Option` slot and the first error kept, then one match
/// builds the value or returns that error: one exit for every failure instead of an
/// early return per field (each of which would drop the fields read before it; full
/// module 517,020 -> 515,404 B gzip).
fn decode_named(
    fields: &[Field],
    container_default: bool,
    deny: bool,
    ctor: TokenStream,
) -> syn::Result<TokenStream> {
    let codec = codec();
    let d = quote!(#codec::derive);
    let mut lets = Vec::new();
    let mut names = Vec::new();
    let mut vars = Vec::new();
    let mut flat_lets = Vec::new();
    for (i, f) in fields.iter().enumerate() {
        let var = format_ident!("__f{}", i);
        let member = &f.member;
        names.push(quote!(#member: #var));
        vars.push(var.clone());
        let ty = &f.ty;
        // A field's value when absent (or skipped): its own default, else the
        // container's, else (for a skipped field) `Default`, as serde gives.
        let default = match &f.attrs.default {
            Some(FieldDefault::Trait) => Some(quote!(::core::default::Default::default())),
            Some(FieldDefault::Path(p)) => Some(quote!(#p())),
            None if container_default => Some(quote!(__default.#member)),
            None => None,
        };
        if f.attrs.skip {
            let value = default.unwrap_or_else(|| quote!(::core::default::Default::default()));
            lets.push(quote!(let #var: Option<#ty> = Some(#value);));
            continue;
        }
        if f.attrs.flatten {
            // Read after the named fields, from what they left, in declaration order.
            flat_lets.push(quote! {
                let #var: Option<#ty> = #d::record(
                    <#ty as #codec::FromJsonFields>::from_json_fields(map),
                    "",
                    &mut __err,
                );
            });
            continue;
        }
        let key = &f.json;
        let mut take = quote!(#d::take(map, #key));
        for alias in &f.attrs.aliases {
            // serde refuses a field given under two of its names.
            take = quote! {
                match #d::one_of_names(#take, #d::take(map, #alias), #key) {
                    Ok(v) => v,
                    Err(e) => #d::fail(&mut __err, e),
                }
            };
        }
        let read = match &f.attrs.decode_with {
            Some(path) => quote!(#d::record(#path(x), #key, &mut __err)),
            None => quote!(#d::slot::<#ty>(x, #key, &mut __err)),
        };
        let missing = match default {
            Some(d) => quote!(Some(#d)),
            None if f.attrs.decode_with.is_some() => {
                quote!(#d::fail(&mut __err, #codec::DecodeError::missing(#key)))
            }
            None => quote!(#d::missing::<#ty>(#key, &mut __err)),
        };
        lets.push(quote! {
            let #var: Option<#ty> = match #take {
                Some(x) => #read,
                None => #missing,
            };
        });
    }
    let default = if container_default {
        quote!(let __default: Self = ::core::default::Default::default();)
    } else {
        quote!()
    };
    let rest = if deny {
        let known = known_names(fields);
        quote! {
            if let Some(k) = map.keys().next() {
                #d::fail::<()>(&mut __err, #codec::DecodeError::unknown_field(k, &[#(#known),*]));
            }
        }
    } else {
        quote!()
    };
    Ok(quote! {
        let mut __err: Option<#codec::DecodeError> = None;
        #default
        #(#lets)*
        #rest
        #(#flat_lets)*
        let _ = &map;
        match (__err, (#(#vars,)*)) {
            (None, (#(Some(#vars),)*)) => Ok(#ctor { #(#names),* }),
            #[allow(unreachable_patterns)]
            (e, _) => Err(#d::first(e)),
        }
    })
}

fn decode_enum(name: &str, variants: &[Variant], c: &ContainerAttrs) -> syn::Result<TokenStream> {
    let codec = codec();
    let all: Vec<&str> = variants.iter().map(|v| v.json.as_str()).collect();
    let unknown = quote!(Err(#codec::DecodeError::unknown_variant(other, &[#(#all),*])));
    let arm_pat = |v: &Variant| {
        let names = std::iter::once(&v.json).chain(v.aliases.iter());
        quote!(#(#names)|*)
    };
    // A struct variant refuses fields it does not know when the enum says so (serde
    // applies an enum's `deny_unknown_fields` to its struct variants).
    let deny = c.deny_unknown_fields;
    if c.content.is_some() && deny {
        return Err(Error::new(
            Span::call_site(),
            "`deny_unknown_fields` with `content` is not supported",
        ));
    }
    if c.untagged {
        let expected = format!("data did not match any variant of untagged enum {name}");
        let mut tries = Vec::new();
        for v in variants {
            let ident = &v.ident;
            tries.push(match &v.shape {
                Shape::Unit => quote! {
                    if v.is_null() { return Ok(Self::#ident); }
                },
                Shape::Newtype(ty) => quote! {
                    if let Ok(x) = <#ty as #codec::FromJson>::from_json(v.clone()) {
                        return Ok(Self::#ident(x));
                    }
                },
                Shape::Named(fields) => {
                    let build = decode_named(fields, false, deny, quote!(Self::#ident))?;
                    quote! {
                        if let #codec::derive::Value::Object(map) = &v {
                            let mut map = map.clone();
                            let map = &mut map;
                            let attempt = (|| -> Result<Self, #codec::DecodeError> { #build })();
                            if let Ok(x) = attempt { return Ok(x); }
                        }
                    }
                }
            });
        }
        return Ok(quote! {
            #(#tries)*
            Err(#codec::DecodeError::new(#expected.to_string()))
        });
    }
    if let Some(tag) = &c.tag {
        let expected = format!("internally tagged enum {name}");
        let mut arms = Vec::new();
        for v in variants {
            let ident = &v.ident;
            let pat = arm_pat(v);
            let arm = match (&c.content, &v.shape) {
                (None, Shape::Unit) => quote!(Ok(Self::#ident)),
                // serde reads a unit variant's content, when present, as a unit: `null`.
                (Some(content), Shape::Unit) => quote! {
                    match map.remove(#content) {
                        None | Some(#codec::derive::Value::Null) => Ok(Self::#ident),
                        Some(other) => Err(#codec::DecodeError::invalid_type(&other, "unit variant")
                            .in_field(#content)),
                    }
                },
                (None, Shape::Newtype(ty)) => quote! {
                    Ok(Self::#ident(<#ty as #codec::FromJson>::from_json(#codec::derive::Value::Object(map))?))
                },
                (None, Shape::Named(fields)) => {
                    let build = decode_named(fields, false, deny, quote!(Self::#ident))?;
                    quote! {{ let map = &mut map; #build }}
                }
                (Some(content), Shape::Newtype(ty)) => quote! {
                    match map.remove(#content) {
                        Some(x) => Ok(Self::#ident(#codec::derive::field::<#ty>(x, #content)?)),
                        None => Err(#codec::DecodeError::missing(#content)),
                    }
                },
                (Some(content), Shape::Named(fields)) => {
                    let build = decode_named(fields, false, deny, quote!(Self::#ident))?;
                    quote! {
                        match map.remove(#content) {
                            Some(x) => {
                                let mut map = #codec::derive::object(x, "struct variant")
                                    .map_err(|e| e.in_field(#content))?;
                                let map = &mut map;
                                (|| -> Result<Self, #codec::DecodeError> { #build })()
                                    .map_err(|e| e.in_field(#content))
                            }
                            None => Err(#codec::DecodeError::missing(#content)),
                        }
                    }
                }
            };
            arms.push(quote!(#pat => { #arm }));
        }
        return Ok(quote! {
            let mut map = #codec::derive::object(v, #expected)?;
            let tag = #codec::derive::tag(&mut map, #tag)?;
            match tag.as_str() {
                #(#arms)*
                other => #unknown,
            }
        });
    }
    if c.content.is_some() {
        return Err(Error::new(Span::call_site(), "`content` needs `tag`"));
    }
    // Externally tagged: "unit", or {"variant": value}.
    let expected = format!("enum {name}");
    let mut unit_arms = Vec::new();
    let mut map_arms = Vec::new();
    for v in variants {
        let ident = &v.ident;
        let pat = arm_pat(v);
        match &v.shape {
            Shape::Unit => {
                unit_arms.push(quote!(#pat => Ok(Self::#ident),));
                map_arms.push(quote!(#pat => match x {
                    #codec::derive::Value::Null => Ok(Self::#ident),
                    other => Err(#codec::DecodeError::invalid_type(&other, "unit variant")),
                },));
            }
            Shape::Newtype(ty) => map_arms.push(quote! {
                #pat => Ok(Self::#ident(#codec::derive::field::<#ty>(x, &key)?)),
            }),
            Shape::Named(fields) => {
                let build = decode_named(fields, false, deny, quote!(Self::#ident))?;
                map_arms.push(quote! {
                    #pat => {
                        let mut map = #codec::derive::object(x, "struct variant")
                            .map_err(|e| e.in_field(&key))?;
                        let map = &mut map;
                        (|| -> Result<Self, #codec::DecodeError> { #build })()
                            .map_err(|e| e.in_field(&key))
                    }
                });
            }
        }
    }
    Ok(quote! {
        match v {
            #codec::derive::Value::String(s) => match s.as_str() {
                #(#unit_arms)*
                other => #unknown,
            },
            #codec::derive::Value::Object(map) if map.len() == 1 => match map.into_iter().next() {
                Some((key, x)) => match key.as_str() {
                    #(#map_arms)*
                    other => #unknown,
                },
                None => Err(#codec::DecodeError::new(#expected.to_string())),
            },
            other => Err(#codec::DecodeError::invalid_type(&other, #expected)),
        }
    })
}

// ---------------------------------------------------------------------------------------
// Encoding

/// Statements writing `fields` into `o` (an `Obj`); `access(member)` is the expression
/// of a field's reference.
fn encode_fields(fields: &[Field], access: impl Fn(&Ident) -> TokenStream) -> TokenStream {
    let codec = codec();
    let mut out = Vec::new();
    for f in fields {
        if f.attrs.skip {
            continue;
        }
        let value = access(&f.member);
        let key = &f.json;
        let write = if f.attrs.flatten {
            quote!(#codec::ToJsonFields::write_fields(#value, o);)
        } else {
            quote!(o.field(#key, #value);)
        };
        out.push(match &f.attrs.skip_serializing_if {
            Some(path) => quote!(if !#path(#value) { #write }),
            None => write,
        });
    }
    quote!(#(#out)*)
}

fn encode_enum(variants: &[Variant], c: &ContainerAttrs) -> syn::Result<TokenStream> {
    let codec = codec();
    let mut arms = Vec::new();
    for v in variants {
        let ident = &v.ident;
        let key = &v.json;
        let (pat, fields) = match &v.shape {
            Shape::Unit => (quote!(Self::#ident), None),
            Shape::Newtype(_) => (quote!(Self::#ident(inner)), None),
            Shape::Named(fields) => {
                let members = fields.iter().map(|f| &f.member);
                (quote!(Self::#ident { #(#members),* }), Some(fields))
            }
        };
        let write_named = |fields: &[Field]| {
            let writes = encode_fields(fields, |m| quote!(#m));
            let unused = fields.iter().filter(|f| f.attrs.skip).map(|f| &f.member);
            quote! { #(let _ = #unused;)* #writes }
        };
        let body = if c.untagged {
            match (&v.shape, fields) {
                (Shape::Unit, _) => quote!(out.push_str("null");),
                (Shape::Newtype(_), _) => quote!(#codec::ToJson::write_json(inner, out);),
                (_, Some(fields)) => {
                    let w = write_named(fields);
                    quote! { let mut o = #codec::Obj::begin(out); { let o = &mut o; #w } o.end(); }
                }
                _ => unreachable!(),
            }
        } else if let Some(tag) = &c.tag {
            let inner = match (&c.content, &v.shape, fields) {
                (_, Shape::Unit, _) => quote!(),
                (None, Shape::Newtype(_), _) => {
                    quote!(#codec::ToJsonFields::write_fields(inner, o);)
                }
                (None, _, Some(fields)) => write_named(fields),
                (Some(content), Shape::Newtype(_), _) => quote!(o.field(#content, inner);),
                (Some(content), _, Some(fields)) => {
                    let w = write_named(fields);
                    quote! {
                        o.raw_field(#content, |out| {
                            let mut o = #codec::Obj::begin(out);
                            { let o = &mut o; #w }
                            o.end();
                        });
                    }
                }
                _ => unreachable!(),
            };
            quote! {
                let mut o = #codec::Obj::begin(out);
                { let o = &mut o; o.field(#tag, #key); #inner }
                o.end();
            }
        } else {
            match (&v.shape, fields) {
                (Shape::Unit, _) => quote!(#codec::ToJson::write_json(#key, out);),
                (Shape::Newtype(_), _) => quote! {
                    let mut o = #codec::Obj::begin(out);
                    o.field(#key, inner);
                    o.end();
                },
                (_, Some(fields)) => {
                    let w = write_named(fields);
                    quote! {
                        let mut o = #codec::Obj::begin(out);
                        o.raw_field(#key, |out| {
                            let mut o = #codec::Obj::begin(out);
                            { let o = &mut o; #w }
                            o.end();
                        });
                        o.end();
                    }
                }
                _ => unreachable!(),
            }
        };
        arms.push(quote!(#pat => { #body }));
    }
    Ok(quote! {
        match self {
            #(#arms)*
        }
    })
}
