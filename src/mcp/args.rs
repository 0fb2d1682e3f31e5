//! A tool's `arguments`: checked against what the tool takes, each problem
//! a [`FieldError`] naming the argument, so a model can correct its call.

use memo_api::error::FieldError;
use serde_json::{Map, Value};
use uuid::Uuid;

pub struct Args(Map<String, Value>);

impl Args {
    /// The arguments object (absent is empty); an argument the tool does not
    /// take is an error: silently ignoring a misspelt one would look like success.
    pub fn new(arguments: Option<Value>, known: &[&str]) -> Result<Args, FieldError> {
        let map = match arguments {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(map)) => map,
            Some(_) => return Err(FieldError::new("arguments", "arguments must be an object")),
        };
        if let Some(unknown) = map.keys().find(|name| !known.contains(&name.as_str())) {
            return Err(FieldError::new(
                unknown.as_str(),
                format!("unknown argument {unknown}; this tool takes: {}", known.join(", ")),
            ));
        }
        Ok(Args(map))
    }

    /// Takes an argument as given (null counts as absent).
    pub fn take(&mut self, name: &str) -> Option<Value> {
        self.0.remove(name).filter(|value| !value.is_null())
    }

    pub fn string(&mut self, name: &str) -> Result<Option<String>, FieldError> {
        match self.take(name) {
            None => Ok(None),
            Some(Value::String(text)) => Ok(Some(text)),
            Some(_) => Err(FieldError::new(name, format!("{name} must be a string"))),
        }
    }

    /// A list of strings; a single string is taken as a list of one.
    pub fn strings(&mut self, name: &str) -> Result<Vec<String>, FieldError> {
        match self.take(name) {
            None => Ok(Vec::new()),
            Some(Value::String(text)) => Ok(vec![text]),
            Some(Value::Array(items)) => items
                .into_iter()
                .enumerate()
                .map(|(index, item)| match item {
                    Value::String(text) => Ok(text),
                    _ => Err(FieldError::new(format!("{name}[{index}]"), format!("{name}[{index}] must be a string"))),
                })
                .collect(),
            Some(_) => Err(FieldError::new(name, format!("{name} must be an array of strings"))),
        }
    }

    /// A whole number of at least `min`.
    pub fn whole(&mut self, name: &str, min: u64) -> Result<Option<u64>, FieldError> {
        match self.take(name) {
            None => Ok(None),
            Some(value) => value
                .as_u64()
                .filter(|n| *n >= min)
                .map(Some)
                .ok_or_else(|| FieldError::new(name, format!("{name} must be a whole number of at least {min}"))),
        }
    }

    /// The required memory id `id`.
    pub fn id(&mut self) -> Result<Uuid, FieldError> {
        let text = self.string("id")?.ok_or_else(|| FieldError::new("id", "id is required"))?;
        parse_id(&text).ok_or_else(|| {
            FieldError::new("id", format!("id must be a memory id (a UUID as memo_search returns), not {text:?}"))
        })
    }

    /// What is left, as a JSON object (for the REST parsers).
    pub fn into_map(self) -> Map<String, Value> {
        self.0
    }
}

pub fn parse_id(text: &str) -> Option<Uuid> {
    Uuid::try_parse(text.trim()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unknown_and_mistyped_arguments_are_named() {
        assert_eq!(Args::new(Some(json!({"tittle": "x"})), &["title"]).err().unwrap().field, "tittle");
        assert_eq!(Args::new(Some(json!([1])), &["title"]).err().unwrap().field, "arguments");
        let mut args =
            Args::new(Some(json!({"tags": ["a", 2], "limit": 0, "id": "nope"})), &["tags", "limit", "id"]).unwrap();
        assert_eq!(args.strings("tags").unwrap_err().field, "tags[1]");
        assert_eq!(args.whole("limit", 1).unwrap_err().field, "limit");
        assert_eq!(args.id().unwrap_err().field, "id");
    }

    #[test]
    fn absent_and_null_are_the_same() {
        let mut args = Args::new(Some(json!({"title": null})), &["title"]).unwrap();
        assert_eq!(args.string("title").unwrap(), None);
        assert_eq!(Args::new(None, &[]).unwrap().into_map().len(), 0);
    }
}
