//! Bodies the emulated web servers return: login pages, device-information
//! XML and JSON, error pages. Structure and field names follow the captures
//! and API documentation cited in `docs/sim.md`.

use crate::catalog::{Family, WebFlavor};
use crate::estate::Device;
use crate::http::response;

pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The HTTP `Server` header a device sends, if any.
pub fn server_header(dev: &Device) -> Option<&'static str> {
    match (dev.family(), dev.profile.flavor) {
        (Family::Hikvision, WebFlavor::HikLegacy) => Some("Hikvision-Webs"),
        (Family::Hikvision, WebFlavor::HikNvr) => Some("DNVRS-Webs"),
        (Family::Hikvision, _) => Some("App-webs/"),
        (Family::Xiongmai, _) => Some("uc-httpd 1.0.0"),
        (Family::Bosch, _) => Some("VCS-VideoJet-Webserver"),
        (Family::GenericOnvif, _) => Some("thttpd/2.25b 29dec2003"),
        (Family::DecoyWeb, _) => Some("nginx/1.22.1"),
        _ => None,
    }
}

/// The brand name devices put in ONVIF `Manufacturer` and discovery scopes.
pub fn onvif_manufacturer(dev: &Device) -> &'static str {
    match (dev.family(), dev.profile.label) {
        (Family::Hikvision, Some("hikvision")) => "HIKVISION",
        (Family::Dahua, Some("dahua")) => "Dahua",
        (Family::Uniview, _) => "Uniview",
        (Family::Xiongmai, _) => "General",
        (Family::Axis, _) => "AXIS",
        (Family::Hanwha, _) => "Hanwha Techwin",
        (Family::Bosch, _) => "Bosch",
        (Family::GenericOnvif, _) => "IPCAM",
        _ => dev.profile.brand_name,
    }
}

/// The error page of the GoAhead-derived servers (Hikvision's among them).
pub fn goahead_error(code: u16, title: &str, message: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html><head><title>Document Error: {title}</title></head>\n<body><h2>Access Error: {code} -- {title}</h2>\n<p>{message}</p>\n</body>\n</html>\n"
    )
}

pub fn not_allowed() -> Vec<u8> {
    response(
        "HTTP/1.1",
        "405 Method Not Allowed",
        &[
            ("Allow", "GET".into()),
            ("Content-Length", "0".into()),
            ("Connection", "close".into()),
        ],
        b"",
    )
}

// ---------------------------------------------------------------- Hikvision

/// `GET /` on Hikvision firmware: a script redirect to the login page.
pub fn hik_index() -> String {
    "<!DOCTYPE html>\n<html>\n<head>\n<meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\">\n<meta http-equiv=\"Pragma\" content=\"no-cache\">\n<meta http-equiv=\"Cache-Control\" content=\"no-cache\">\n<meta http-equiv=\"Expires\" content=\"0\">\n</head>\n<body>\n<script>\nwindow.location.href = \"/doc/page/login.asp?_\" + (new Date()).getTime();\n</script>\n</body>\n</html>\n".to_owned()
}

/// The login page: the brand's title, logo and copyright, Hikvision's web
/// application underneath (same scripts, same `g_szCacheTime`).
pub fn hik_login(dev: &Device) -> String {
    let brand = dev.profile.brand_name;
    let own = dev.profile.label == Some("hikvision");
    let copyright = if own {
        "&copy;Hikvision Digital Technology Co., Ltd. All Rights Reserved.".to_owned()
    } else {
        format!("&copy;{brand}. All Rights Reserved.")
    };
    let logo = brand.to_ascii_lowercase().replace(' ', "");
    let title = if own { String::new() } else { escape(brand) };
    format!(
        "<!DOCTYPE html>\n<html>\n<head>\n<title>{title}</title>\n<meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\">\n<meta http-equiv=\"X-UA-Compatible\" content=\"IE=edge\">\n<link rel=\"stylesheet\" type=\"text/css\" href=\"../css/ui.css?version=' + g_szCacheTime + '\">\n<script>\nvar g_szCacheTime = \"{cache}\";\n</script>\n<script type=\"text/javascript\" src=\"../script/lib/jquery/jquery-1.7.2.min.js\"></script>\n<script type=\"text/javascript\" src=\"../script/common.js\"></script>\n<script type=\"text/javascript\" src=\"../script/login.js\"></script>\n</head>\n<body>\n<div class=\"login\">\n<div class=\"logo\"><img src=\"../images/{logo}_logo.png\" alt=\"{brand}\"></div>\n<div id=\"login_form\"><input type=\"text\" id=\"username\"><input type=\"password\" id=\"password\"><button onclick=\"doLogin()\">Login</button></div>\n<div class=\"footer\">{copyright}</div>\n</div>\n</body>\n</html>\n",
        cache = 1_600_000_000u64 + dev.seed % 100_000_000,
        brand = escape(brand),
    )
}

pub fn hik_user_check(code: u16) -> String {
    let s = if code == 200 { "OK" } else { "Unauthorized" };
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<userCheck>\n<statusValue>{code}</statusValue>\n<statusString>{s}</statusString>\n</userCheck>\n"
    )
}

/// `GET /ISAPI/System/deviceInfo`, authenticated.
pub fn hik_device_info(dev: &Device) -> String {
    let current =
        dev.firmware.version.starts_with("V5.7") || dev.firmware.version.starts_with("V4.6");
    let ns = if current {
        "http://www.isapi.org/ver20/XMLSchema"
    } else {
        "http://www.hikvision.com/ver20/XMLSchema"
    };
    let mac = dev.mac.map(|m| m.to_string()).unwrap_or_default();
    let dtype = match dev.profile.device_type {
        Some(camaudit_model::DeviceType::Nvr) => "NVR",
        _ => "IPCamera",
    };
    let extra = if current {
        format!(
            "<manufacturer>{}</manufacturer>\n<OEMCode>{}</OEMCode>\n<marketType>1</marketType>\n",
            if dev.profile.label == Some("hikvision") {
                "hikvision"
            } else {
                dev.profile.brand_name
            },
            if dev.profile.label == Some("hikvision") {
                1
            } else {
                0
            }
        )
    } else {
        String::new()
    };
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<DeviceInfo version=\"2.0\" xmlns=\"{ns}\">\n<deviceName>{dtype}</deviceName>\n<deviceID>{uuid}</deviceID>\n<deviceDescription>{dtype}</deviceDescription>\n<deviceLocation>hangzhou</deviceLocation>\n<systemContact>Hikvision.China</systemContact>\n<model>{model}</model>\n<serialNumber>{serial}</serialNumber>\n<macAddress>{mac}</macAddress>\n<firmwareVersion>{fw}</firmwareVersion>\n<firmwareReleasedDate>{build}</firmwareReleasedDate>\n<encoderVersion>V7.3</encoderVersion>\n<encoderReleasedDate>{build}</encoderReleasedDate>\n<deviceType>{devtype}</deviceType>\n<telecontrolID>88</telecontrolID>\n{extra}</DeviceInfo>\n",
        uuid = dev.uuid(),
        model = escape(dev.model),
        serial = escape(&dev.serial),
        fw = dev.firmware.version,
        build = dev.firmware.build,
        devtype = if dtype == "NVR" { "NVR" } else { "IPCamera" },
    )
}

// -------------------------------------------------------------------- Dahua

/// `GET /`: Dahua's web application shell. Own-brand firmware starts with a
/// UTF-8 BOM and titles the page "WEB SERVICE"; Amcrest's build has no BOM
/// and an empty title (both as nmap's signatures record them).
pub fn dahua_index(dev: &Device) -> String {
    match dev.profile.label {
        Some("amcrest") => "<!DOCTYPE html>\r\n<html>\r\n<head>\r\n    <title></title>\r\n    <meta charset=\"utf-8\">\r\n    <link rel=\"icon\" href=\"/favicon.ico\">\r\n    <script src=\"/jsBase/lib/jquery.js\"></script>\r\n</head>\r\n<body>\r\n<div id=\"logo\"><img src=\"/image/amcrest_logo.png\" alt=\"Amcrest\"></div>\r\n<script src=\"/js/loader.js\"></script>\r\n</body>\r\n</html>\r\n".to_owned(),
        Some("lorex") => "\u{feff}<!DOCTYPE html>\r\n<html>\r\n<head>\r\n<title>LOREX</title>\r\n<meta charset=\"utf-8\">\r\n<script src=\"/jsBase/lib/jquery.js\"></script>\r\n</head>\r\n<body>\r\n<div id=\"logo\"><img src=\"/image/lorex_logo.png\" alt=\"LOREX\"></div>\r\n<script src=\"/js/loader.js\"></script>\r\n</body>\r\n</html>\r\n".to_owned(),
        _ => "\u{feff}<!DOCTYPE html>\r\n<html>\r\n<head>\r\n<title>WEB SERVICE</title>\r\n<meta charset=\"utf-8\">\r\n<script src=\"/jsBase/lib/jquery.js\"></script>\r\n</head>\r\n<body>\r\n<div id=\"logo\"><img src=\"/image/lgbg.jpg\"></div>\r\n<script src=\"/js/loader.js\"></script>\r\n</body>\r\n</html>\r\n".to_owned(),
    }
}

fn json_id(body: &str) -> i64 {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("id").and_then(|i| i.as_i64()))
        .unwrap_or(1)
}

/// `POST /RPC2_Login`, first step (no password): the login challenge with
/// the realm, random and encryption mode the client must use.
pub fn dahua_rpc2_login(dev: &Device, body: &str) -> String {
    let id = json_id(body);
    let session = (dev.seed % 2_000_000_000) as i64;
    serde_json::json!({
        "error": {"code": 268632079, "message": "Component error: login challenge!"},
        "id": id,
        "params": {
            "authorization": crate::auth::md5_hex(&dev.serial),
            "encryption": "Default",
            "mac": dev.mac_hex_upper(),
            "random": (dev.seed % 1_000_000_000).to_string(),
            "realm": format!("Login to {}", dev.serial),
        },
        "result": false,
        "session": session,
    })
    .to_string()
}

pub fn dahua_rpc2_no_session(body: &str) -> String {
    serde_json::json!({
        "error": {"code": 287637505, "message": "Invalid session in request data!"},
        "id": json_id(body),
        "result": false,
        "session": 0,
    })
    .to_string()
}

/// `GET /cgi-bin/magicBox.cgi?action=…`, authenticated: `key=value` lines.
pub fn dahua_magicbox(dev: &Device, query: &str) -> Option<String> {
    let action = query.split('&').find_map(|kv| kv.strip_prefix("action="))?;
    let dhi = if dev.model.starts_with("DHI-") || dev.profile.label == Some("dahua") {
        dev.model.to_owned()
    } else {
        // OEM units reveal the Dahua model in updateSerial.
        match dev.profile.device_type {
            Some(camaudit_model::DeviceType::Nvr) => "DHI-NVR4108HS-8P-4KS2".to_owned(),
            _ => "IPC-HDW2431T-AS-S2".to_owned(),
        }
    };
    let device_type = match dev.profile.label {
        Some("lorex") => "31".to_owned(),
        _ => dev.model.to_owned(),
    };
    Some(match action {
        "getSystemInfo" => format!(
            "appAutoStart=true\r\ndeviceType={device_type}\r\nhardwareVersion=1.00\r\nprocessor=SSC327DE\r\nserialNumber={}\r\nupdateSerial={dhi}\r\nupdateSerialCloudUpgrade={dhi}:01:02:08:12:0A:00:05:00:00:00:00:00:00:00:00:500\r\n",
            dev.serial
        ),
        "getDeviceType" => format!("type={device_type}\r\n"),
        "getSoftwareVersion" => format!("version={},build:2021-06-17\r\n", dev.firmware.version),
        "getSerialNo" => format!("sn={}\r\n", dev.serial),
        "getMachineName" => format!("name={}\r\n", dev.serial),
        "getProductDefinition" => format!(
            "table.ProductDefinition.Vendor={}\r\n",
            match dev.profile.label {
                Some("dahua") => "Dahua",
                _ => "General",
            }
        ),
        _ => return None,
    })
}

// ------------------------------------------------------------------ Uniview

pub fn uniview_index(dev: &Device) -> String {
    let _ = dev;
    "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n<title></title>\n<link rel=\"shortcut icon\" href=\"/favicon.ico\">\n<link rel=\"stylesheet\" href=\"/skin/default_1/css/main.css\">\n<script src=\"/js/lib/jquery.min.js\"></script>\n<script src=\"/js/login.js\"></script>\n</head>\n<body>\n<div class=\"logo\"><img src=\"/skin/default_1/images/logo.png\"></div>\n<div id=\"login\"></div>\n</body>\n</html>\n".to_owned()
}

fn lapi_envelope(url: &str, code: i64, s: &str, data: serde_json::Value) -> String {
    serde_json::json!({
        "Response": {
            "ResponseURL": url,
            "CreatedID": -1,
            "ResponseCode": code,
            "SubResponseCode": 0,
            "ResponseString": s,
            "StatusCode": code,
            "StatusString": s,
            "Data": data,
        }
    })
    .to_string()
}

/// `GET /LAPI/V1.0/System/DeviceBasicInfo`, authenticated.
pub fn uniview_lapi(dev: &Device) -> String {
    lapi_envelope(
        "/LAPI/V1.0/System/DeviceBasicInfo",
        0,
        "Succeed",
        serde_json::json!({
            "Manufacturer": "UNIVIEW",
            "DeviceModel": dev.model,
            "SerialNumber": dev.serial,
            "MAC": dev.mac.map(|m| m.0.iter().map(|b| format!("{b:02x}")).collect::<String>()).unwrap_or_default(),
            "FirmwareVersion": dev.firmware.version,
            "HardewareID": "A",
            "PCBVersion": "A",
            "UbootVersion": "V2.0",
        }),
    )
}

pub fn uniview_lapi_unauthorized(path: &str) -> String {
    lapi_envelope(path, 3, "Not Authorized", serde_json::Value::Null)
}

// ----------------------------------------------------------------- Xiongmai

pub fn xiongmai_index(dev: &Device) -> String {
    let _ = dev;
    "<html>\n<head>\n<title>NETSurveillance WEB</title>\n<meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\">\n<script type=\"text/javascript\" src=\"js/jquery.js\"></script>\n</head>\n<body>\n<object id=\"ocx\" classid=\"CLSID:2B5C3D71-1F2F-4C7C-9D55-6C4F2A0B7E3A\"></object>\n<div id=\"login\">Please install the plug-in to view live video</div>\n</body>\n</html>\n".to_owned()
}

// --------------------------------------------------------------------- Axis

pub fn axis_index() -> String {
    "<!DOCTYPE html>\n<html>\n<head>\n<title>AXIS</title>\n<meta http-equiv=\"refresh\" content=\"0; URL=/camera/index.html\">\n</head>\n<body>\n<noscript>Your browser has JavaScript turned off.</noscript>\n</body>\n</html>\n".to_owned()
}

/// `POST /axis-cgi/basicdeviceinfo.cgi`: every property when authenticated,
/// the unrestricted subset otherwise.
pub fn axis_basic_info(dev: &Device, full: bool) -> String {
    let mut props = serde_json::json!({
        "Brand": "AXIS",
        "BuildDate": "Apr 29 2020 06:50",
        "HardwareID": "70E",
        "ProdFullName": format!("AXIS {} Network Camera", dev.model),
        "ProdNbr": dev.model,
        "ProdShortName": format!("AXIS {}", dev.model),
        "ProdType": "Network Camera",
        "ProdVariant": "",
        "SerialNumber": dev.serial,
        "Version": dev.firmware.version,
        "WebURL": "http://www.axis.com",
    });
    if full {
        props["Architecture"] = "armv7hf".into();
        props["Soc"] = "Ambarella S2L (Flattened Device Tree)".into();
        props["SocSerialNumber"] = "".into();
    }
    serde_json::json!({
        "apiVersion": "1.1",
        "method": if full { "getAllProperties" } else { "getAllUnrestrictedProperties" },
        "data": {"propertyList": props},
    })
    .to_string()
}

pub fn axis_params(dev: &Device) -> String {
    format!(
        "root.Brand.Brand=AXIS\nroot.Brand.ProdFullName=AXIS {m} Network Camera\nroot.Brand.ProdNbr={m}\nroot.Brand.ProdShortName=AXIS {m}\nroot.Brand.ProdType=Network Camera\nroot.Properties.Firmware.Version={fw}\nroot.Properties.System.SerialNumber={sn}\n",
        m = dev.model,
        fw = dev.firmware.version,
        sn = dev.serial
    )
}

// ------------------------------------------------------------------- Hanwha

pub fn hanwha_index() -> String {
    "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n<title>Hanwha Techwin</title>\n<script src=\"/home/js/lib/jquery.min.js\"></script>\n</head>\n<body>\n<div id=\"wrap\"><div class=\"logo\"><img src=\"/home/img/logo_hanwha.png\" alt=\"Hanwha Techwin\"></div></div>\n</body>\n</html>\n".to_owned()
}

/// SUNAPI `GET /stw-cgi/system.cgi?msubmenu=deviceinfo&action=view`.
pub fn hanwha_device_info(dev: &Device) -> String {
    format!(
        "Model={}\r\nSerialNumber={}\r\nFirmwareVersion={}\r\nBuildDate=2023-03-21\r\nWebURL=http://www.hanwhavision.com\r\nDeviceType=NWC\r\nConnectedMACAddress={}\r\n",
        dev.model,
        dev.serial,
        dev.firmware.version,
        dev.mac
            .map(|m| m.to_string().to_uppercase())
            .unwrap_or_default()
    )
}

// -------------------------------------------------------------------- Bosch

pub fn bosch_index(dev: &Device) -> String {
    format!(
        "<!DOCTYPE html>\n<html>\n<head>\n<title>{}</title>\n<meta charset=\"utf-8\">\n<script src=\"/rcp.js\"></script>\n</head>\n<body>\n<div class=\"logo\"><img src=\"/images/bosch_logo.svg\" alt=\"BOSCH\"></div>\n</body>\n</html>\n",
        escape(dev.model)
    )
}

pub fn bosch_rcp(dev: &Device) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"iso-8859-1\"?>\n<rcp>\n<command><hex>0x0aea</hex><dec>2794</dec></command>\n<type>P_STRING</type>\n<direction>READ</direction>\n<num>0</num>\n<idstring></idstring>\n<payload></payload>\n<cltid>0x1</cltid>\n<sessionid>0x00000000</sessionid>\n<auth>1</auth>\n<protocol>TCP</protocol>\n<result><str>{} {}</str></result>\n</rcp>\n",
        escape(dev.model),
        dev.firmware.version
    )
}

// ------------------------------------------------------- generic and decoys

pub fn generic_index(dev: &Device) -> String {
    format!(
        "<html>\n<head>\n<title>IPCAM</title>\n</head>\n<body>\n<p>{}</p>\n<a href=\"/onvif/device_service\">ONVIF</a>\n</body>\n</html>\n",
        escape(dev.model)
    )
}

pub fn nginx_index() -> String {
    "<!DOCTYPE html>\n<html>\n<head>\n<title>Welcome to nginx!</title>\n</head>\n<body>\n<h1>Welcome to nginx!</h1>\n<p>If you see this page, the nginx web server is successfully installed and\nworking. Further configuration is required.</p>\n</body>\n</html>\n".to_owned()
}

pub fn nginx_404() -> String {
    "<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n<center><h1>404 Not Found</h1></center>\r\n<hr><center>nginx/1.22.1</center>\r\n</body>\r\n</html>\r\n".to_owned()
}

pub fn printer_index(dev: &Device) -> String {
    format!(
        "<!DOCTYPE html>\n<html>\n<head>\n<title>{m}&nbsp;&nbsp;&nbsp;{ip}</title>\n</head>\n<body>\n<h1>{m}</h1>\n<p>HP Embedded Web Server</p>\n</body>\n</html>\n",
        m = escape(dev.model),
        ip = dev.addr
    )
}

pub fn router_index() -> String {
    "<!DOCTYPE html>\n<html>\n<head>\n<title>RouterOS router configuration page</title>\n</head>\n<body>\n<div class=\"login\"><h1>RouterOS</h1><form action=\"/webfig/\"><input name=\"user\"><input type=\"password\" name=\"password\"><input type=\"submit\" value=\"Login\"></form></div>\n<p>mikrotik routeros</p>\n</body>\n</html>\n".to_owned()
}
