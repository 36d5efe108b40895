//! Reading a JSON document field by field, for the documents the browser build fetches
//! (`content.json`, `fidelity.json`): each error names the file and the path of the first
//! thing wrong (`content.json: lessons[3].title: expected a string`), so a stale or
//! damaged file gets a clear message instead of a broken page.
//!
//! Strings are leaked: a page installs each document once, and it lives as long as the page.

use serde_json::Value;

/// Parse `text`, the document `file`, as JSON.
pub fn parse(file: &'static str, text: &str) -> Result<Value, String> {
    serde_json::from_str(text).map_err(|e| format!("{file} is not valid JSON ({e})"))
}

pub fn leak<T>(v: Vec<T>) -> &'static [T] {
    Box::leak(v.into_boxed_slice())
}

pub fn leak_str(s: &str) -> &'static str {
    Box::leak(s.to_string().into_boxed_str())
}

/// A JSON value and where it is (`lessons[3]` of `content.json`), for error messages.
pub struct Item<'a> {
    v: &'a Value,
    path: String,
    file: &'static str,
}

impl<'a> Item<'a> {
    pub fn value(&self) -> &'a Value {
        self.v
    }

    pub fn obj(self) -> Result<Obj<'a>, String> {
        Obj::at_path(self.v, self.path, self.file)
    }

    fn wrong(&self, what: &str) -> String {
        format!("{}: {}: {what}", self.file, self.path)
    }

    pub fn str(self) -> Result<&'static str, String> {
        match self.v.as_str() {
            Some(s) => Ok(leak_str(s)),
            None => Err(self.wrong("expected a string")),
        }
    }

    pub fn u64(self) -> Result<u64, String> {
        self.v
            .as_u64()
            .ok_or_else(|| self.wrong("expected a whole number"))
    }
}

/// A JSON object and its path.
pub struct Obj<'a> {
    map: &'a serde_json::Map<String, Value>,
    path: String,
    file: &'static str,
}

impl<'a> Obj<'a> {
    /// The document's root object.
    pub fn root(v: &'a Value, file: &'static str) -> Result<Obj<'a>, String> {
        Obj::at_path(v, String::new(), file)
    }

    fn at_path(v: &'a Value, path: String, file: &'static str) -> Result<Obj<'a>, String> {
        match v.as_object() {
            Some(map) => Ok(Obj { map, path, file }),
            None => Err(format!(
                "{file}: {}: expected an object",
                if path.is_empty() {
                    "the document"
                } else {
                    &path
                }
            )),
        }
    }

    pub fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key)
    }

    /// The members, in the document's order.
    pub fn entries(&self) -> impl Iterator<Item = (&'a str, Item<'a>)> + '_ {
        self.map.iter().map(|(k, v)| {
            (
                k.as_str(),
                Item {
                    v,
                    path: self.at(k),
                    file: self.file,
                },
            )
        })
    }

    fn at(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    pub fn problem(&self, key: &str, what: &str) -> String {
        format!("{}: {}: {what}", self.file, self.at(key))
    }

    /// The member `key`, required.
    pub fn item(&self, key: &str) -> Result<Item<'a>, String> {
        match self.get(key) {
            Some(v) => Ok(Item {
                v,
                path: self.at(key),
                file: self.file,
            }),
            None => Err(self.problem(key, "required")),
        }
    }

    /// The member `key`, if it is there and not null.
    pub fn opt(&self, key: &str) -> Option<Item<'a>> {
        self.item(key).ok().filter(|i| !i.v.is_null())
    }

    pub fn obj(&self, key: &str) -> Result<Obj<'a>, String> {
        self.item(key)?.obj()
    }

    pub fn str(&self, key: &str) -> Result<&'static str, String> {
        self.item(key)?.str()
    }

    pub fn opt_str(&self, key: &str) -> Result<Option<&'static str>, String> {
        self.opt(key).map(Item::str).transpose()
    }

    /// Each element of the array `key`, read by `f` (with its path, `key[i]`).
    pub fn list<T, F>(&self, key: &str, f: F) -> Result<Vec<T>, String>
    where
        F: Fn(Item<'a>) -> Result<T, String>,
    {
        let Some(arr) = self.get(key).and_then(Value::as_array) else {
            return Err(self.problem(key, "expected an array"));
        };
        arr.iter()
            .enumerate()
            .map(|(i, v)| {
                f(Item {
                    v,
                    path: format!("{}[{i}]", self.at(key)),
                    file: self.file,
                })
            })
            .collect()
    }

    /// Like [`Obj::list`], for arrays of objects.
    pub fn objects<T, F>(&self, key: &str, f: F) -> Result<Vec<T>, String>
    where
        F: Fn(Obj<'a>) -> Result<T, String>,
    {
        self.list(key, |item| f(item.obj()?))
    }
}
