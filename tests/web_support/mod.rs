//! DOM queries shared by the browser test suites (wasm32).
#![allow(dead_code)]

use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement};

/// Every element under `root` matching `selector`.
pub fn all(root: &Element, selector: &str) -> Vec<HtmlElement> {
    let list = root.query_selector_all(selector).unwrap();
    (0..list.length())
        .filter_map(|i| list.item(i))
        .filter_map(|n| n.dyn_into::<HtmlElement>().ok())
        .collect()
}

/// The first element under `root` matching `selector` (panics, naming it, when absent).
pub fn one(root: &Element, selector: &str) -> HtmlElement {
    root.query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("no {selector}"))
        .dyn_into::<HtmlElement>()
        .unwrap()
}

/// The text of the first element matching `selector`.
pub fn text(root: &Element, selector: &str) -> String {
    one(root, selector).text_content().unwrap_or_default()
}

/// Install the course text (what the page fetches as `content.json`) into this test page.
#[allow(dead_code)] // not every test binary that shares this module needs it
pub fn install_content() {
    crashcourse::content::install(include_str!("../../assets/content.json"))
        .expect("assets/content.json parses");
}
