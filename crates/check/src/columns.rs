//! Which column is which: header names and their usual synonyms, in any
//! order.

use serde::Serialize;

use crate::CheckError;

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Manufacturer,
    Brand,
    Model,
    Description,
    Serial,
    Firmware,
    Date,
    Quantity,
    Site,
}

impl Role {
    pub const ALL: [Role; 9] = [
        Role::Manufacturer,
        Role::Brand,
        Role::Model,
        Role::Description,
        Role::Serial,
        Role::Firmware,
        Role::Date,
        Role::Quantity,
        Role::Site,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Manufacturer => "manufacturer",
            Role::Brand => "brand",
            Role::Model => "model",
            Role::Description => "description",
            Role::Serial => "serial",
            Role::Firmware => "firmware",
            Role::Date => "date",
            Role::Quantity => "quantity",
            Role::Site => "site",
        }
    }

    /// Header names (compared lowercased, letters and digits only) that mean
    /// this column.
    pub fn synonyms(self) -> &'static [&'static str] {
        match self {
            Role::Manufacturer => &[
                "manufacturer",
                "manufacturername",
                "manufacture",
                "manufacturers",
                "make",
                "maker",
                "vendor",
                "vendorname",
                "mfr",
                "mfg",
                "mfgname",
                "oem",
            ],
            Role::Brand => &["brand", "brandname", "tradename", "marque"],
            Role::Model => &[
                "model",
                "models",
                "modelnumber",
                "modelno",
                "modelnr",
                "modelname",
                "modelcode",
                "partnumber",
                "partno",
                "partnr",
                "part",
                "pn",
                "mpn",
                "manufacturerpartnumber",
                "sku",
                "productcode",
                "productnumber",
                "catalognumber",
                "cataloguenumber",
                "catalogueno",
                "articlenumber",
                "itemcode",
            ],
            Role::Description => &[
                "description",
                "desc",
                "itemdescription",
                "productdescription",
                "product",
                "productname",
                "item",
                "itemname",
                "equipment",
                "details",
                "name",
            ],
            Role::Serial => &["serial", "serialnumber", "serialno", "sn", "serialnr"],
            Role::Firmware => &[
                "firmware",
                "firmwareversion",
                "firmwarebuild",
                "fw",
                "fwversion",
                "softwareversion",
                "swversion",
            ],
            Role::Date => &[
                "date",
                "purchasedate",
                "dateofpurchase",
                "purchased",
                "installdate",
                "installationdate",
                "installed",
                "dateinstalled",
                "installeddate",
                "commissioned",
                "commissioningdate",
                "acquired",
                "acquisitiondate",
                "orderdate",
                "deliverydate",
                "yearinstalled",
            ],
            Role::Quantity => &["quantity", "qty", "count", "units"],
            Role::Site => &[
                "site", "sitename", "location", "building", "premises", "room",
            ],
        }
    }
}

/// The columns of a table, by role.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Columns {
    /// `(role, column index)`, the first column of each role found.
    pub found: Vec<(Role, usize)>,
}

impl Columns {
    /// Maps headers to roles. At least one of manufacturer, brand, model and
    /// description is needed; otherwise the error lists the headers found
    /// and the names accepted.
    pub fn from_headers(
        file: &str,
        line: usize,
        headers: &[String],
    ) -> Result<Columns, CheckError> {
        let mut found: Vec<(Role, usize)> = Vec::new();
        for (i, h) in headers.iter().enumerate() {
            let key = header_key(h);
            if key.is_empty() {
                continue;
            }
            let role = Role::ALL
                .into_iter()
                .find(|r| r.synonyms().contains(&key.as_str()));
            if let Some(role) = role
                && !found.iter().any(|(r, _)| *r == role)
            {
                found.push((role, i));
            }
        }
        let columns = Columns { found };
        let identifying = [
            Role::Manufacturer,
            Role::Brand,
            Role::Model,
            Role::Description,
        ];
        if !identifying.iter().any(|r| columns.get(*r).is_some()) {
            let names: Vec<&str> = identifying.iter().map(|r| r.synonyms()[0]).collect();
            let seen = if headers.iter().all(|h| h.trim().is_empty()) {
                "no header names".to_owned()
            } else {
                format!("headers {}", headers.join(", "))
            };
            return Err(CheckError::at(
                file,
                line,
                None,
                format!(
                    "no manufacturer, brand, model or description column (found {seen}): name at least one column {} (synonyms such as Make, Vendor, Part Number, SKU are accepted; docs/check.md lists them)",
                    names.join(", ")
                ),
            ));
        }
        Ok(columns)
    }

    pub fn get(&self, role: Role) -> Option<usize> {
        self.found.iter().find(|(r, _)| *r == role).map(|(_, i)| *i)
    }
}

/// A header as compared with the synonyms: lowercase letters and digits.
/// "Part No." → `partno`, "Manufacturer Name" → `manufacturername`.
pub fn header_key(h: &str) -> String {
    h.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cols(h: &[&str]) -> Result<Columns, CheckError> {
        let h: Vec<String> = h.iter().map(|s| s.to_string()).collect();
        Columns::from_headers("f.csv", 1, &h)
    }

    #[test]
    fn synonyms_in_any_order() {
        let c = cols(&["Qty", "Part No.", "Site", "Make", "Item Description"]).expect("columns");
        assert_eq!(c.get(Role::Quantity), Some(0));
        assert_eq!(c.get(Role::Model), Some(1));
        assert_eq!(c.get(Role::Site), Some(2));
        assert_eq!(c.get(Role::Manufacturer), Some(3));
        assert_eq!(c.get(Role::Description), Some(4));
        let c = cols(&["SKU", "Vendor", "Brand"]).expect("columns");
        assert_eq!(c.get(Role::Model), Some(0));
        assert_eq!(c.get(Role::Manufacturer), Some(1));
        assert_eq!(c.get(Role::Brand), Some(2));
    }

    #[test]
    fn no_identifying_column_is_an_error() {
        let e = cols(&["Qty", "Site", "Price"]).expect_err("no columns");
        let s = e.to_string();
        assert!(s.contains("f.csv: row 1"), "{s}");
        assert!(s.contains("Qty, Site, Price"), "{s}");
    }
}
