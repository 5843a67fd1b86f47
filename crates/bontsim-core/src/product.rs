//! Products: each BoNT-A brand's potency relative to onabotulinumtoxinA, from
//! `data/products.toml` (compiled in, sourced). The model works in
//! onabotulinumtoxinA-equivalent units; this module is the only place units are converted.

use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Product {
    pub name: String,
    pub brands: Vec<String>,
    pub potency: f64,
    pub potency_source: String,
    pub duration_note: String,
    pub label_glabella_units: f64,
}

impl Product {
    /// Labelled units of this product expressed as onabotulinumtoxinA-equivalent units.
    pub fn equivalent_units(&self, units: f64) -> f64 {
        units * self.potency
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProductFile {
    product: Vec<Product>,
}

static PRODUCTS: OnceLock<Vec<Product>> = OnceLock::new();

/// All known products, in the order of the data file.
pub fn products() -> &'static [Product] {
    PRODUCTS.get_or_init(|| {
        toml::from_str::<ProductFile>(include_str!("../data/products.toml"))
            .expect("embedded products.toml is valid (checked by tests)")
            .product
    })
}

/// A product by its generic name or a brand name, whatever the case, with spaces or hyphens
/// for underscores ("Botox Cosmetic", "ONABOTULINUMTOXINA"; [`crate::names::same`]).
pub fn find_product(name: &str) -> Option<&'static Product> {
    products().iter().find(|p| {
        crate::names::same(&p.name, name) || p.brands.iter().any(|b| crate::names::same(b, name))
    })
}

/// The closest generic or brand name to a mistyped product name, for "did you mean" hints.
pub fn suggest_product(name: &str) -> Option<&'static str> {
    crate::names::closest(
        name,
        products().iter().flat_map(|p| {
            std::iter::once(p.name.as_str()).chain(p.brands.iter().map(|b| b.as_str()))
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn six_products_with_sources() {
        assert_eq!(products().len(), 6);
        for product in products() {
            assert!(product.potency > 0.0 && product.potency <= 1.0);
            assert!(!product.potency_source.is_empty());
        }
        let abo = find_product("Dysport").unwrap();
        assert_eq!(abo.name, "abobotulinumtoxinA");
        assert!((abo.equivalent_units(50.0) - 20.0).abs() < 1e-12);
    }

    #[test]
    fn names_are_found_whatever_the_case_and_mistyped_names_get_a_suggestion() {
        for typed in [
            "BOTOX",
            "botox cosmetic",
            "Botox-Cosmetic",
            "OnabotulinumtoxinA",
        ] {
            assert_eq!(
                find_product(typed).unwrap().name,
                "onabotulinumtoxinA",
                "{typed}"
            );
        }
        assert_eq!(
            find_product("bont/a dp").unwrap().name,
            "letibotulinumtoxinA"
        );
        assert!(find_product("Botx").is_none());
        assert_eq!(suggest_product("Botx"), Some("Botox"));
        assert_eq!(suggest_product("dysprot"), Some("Dysport"));
        assert_eq!(
            suggest_product("incobotulinumtoxin"),
            Some("incobotulinumtoxinA")
        );
        assert_eq!(suggest_product("aspirin"), None);
    }
}
