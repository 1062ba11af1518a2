//! `OuiTable::from_sources` on files a user points at.

use std::path::{Path, PathBuf};

use camaudit_model::Mac;
use camaudit_oui::{OuiTable, VendorMapping};

struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!(
            "camaudit-oui-{tag}-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn file(&self, name: &str, text: &str) -> PathBuf {
        let p = self.0.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn lookup<'t>(t: &'t OuiTable, mac: &str) -> Option<&'t str> {
    t.lookup(&Mac::parse(mac).unwrap())
        .map(|e| e.vendor.as_str())
}

#[test]
fn mixed_fresh_downloads_earlier_file_wins() {
    let dir = TempDir::new("mixed");
    let oui = dir.file(
        "oui.csv",
        "Registry,Assignment,Organization Name,Organization Address\r\n\
         MA-L,5850ED,\"Hangzhou Hikvision Digital Technology Co.,Ltd.\",\"No.555 Qianmo Road, Hangzhou\"\r\n\
         MA-L,E43022,Hanwha Vision VietNam,x\r\n",
    );
    let mam = dir.file(
        "mam.csv",
        "\u{feff}Registry,Assignment,Organization Name,Organization Address\n\
         MA-M,7CE4A17,Keenfinity S.A.,x\n",
    );
    let manuf = dir.file(
        "manuf",
        "# old\nE4:30:22\tHanwha\tHanwha Techwin Security Vietnam\n08:ED:ED\tDahua\tZhejiang Dahua Technology Co., Ltd.\n",
    );
    let mapping = VendorMapping::builtin().unwrap();
    let paths: Vec<&Path> = vec![&oui, &mam, &manuf];
    let t = OuiTable::from_sources(&paths, &mapping).unwrap();
    assert_eq!(t.len(), 4);
    assert_eq!(lookup(&t, "58:50:ed:00:00:01"), Some("hikvision"));
    assert_eq!(lookup(&t, "7c:e4:a1:7f:ff:ff"), Some("bosch"));
    assert_eq!(lookup(&t, "08:ed:ed:87:42:7a"), Some("dahua"));
    let hanwha = t.lookup(&Mac::parse("e4:30:22:00:00:01").unwrap()).unwrap();
    assert_eq!(hanwha.organisation, "Hanwha Vision VietNam");
}

#[test]
fn errors_name_the_file_and_line() {
    let dir = TempDir::new("errors");
    let good = dir.file(
        "good.csv",
        "Registry,Assignment,Organization Name\nMA-L,00408C,Axis Communications AB\n",
    );
    let bad = dir.file(
        "bad.csv",
        "Registry,Assignment,Organization Name\nMA-L,00408C,Axis Communications AB\nMA-L,0040,Short\n",
    );
    let mapping = VendorMapping::builtin().unwrap();
    let err = OuiTable::from_sources(&[&good, &bad], &mapping)
        .unwrap_err()
        .to_string();
    assert!(err.contains("bad.csv: line 3:"), "{err}");

    let missing = dir.0.join("missing.csv");
    let err = OuiTable::from_sources(&[&missing], &mapping)
        .unwrap_err()
        .to_string();
    assert!(err.contains("missing.csv"), "{err}");

    let html = dir.file("page.html", "<html><body>Not found</body></html>\n");
    let err = OuiTable::from_sources(&[&html], &mapping)
        .unwrap_err()
        .to_string();
    assert!(err.contains("page.html: line 1:"), "{err}");

    assert!(OuiTable::from_sources(&[], &mapping).is_err());
}
