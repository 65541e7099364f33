use super::*;
use crate::enums;

const REGISTER: &str = r#"
<RequestMessage>
  <RequestHeader>
    <ProtocolVersion>
      <ProtocolVersionMajor type="Integer" value="1"/>
      <ProtocolVersionMinor type="Integer" value="4"/>
    </ProtocolVersion>
    <BatchCount type="Integer" value="1"/>
  </RequestHeader>
  <BatchItem>
    <Operation type="Enumeration" value="Register"/>
    <RequestPayload>
      <ObjectType type="Enumeration" value="SymmetricKey"/>
      <TemplateAttribute>
        <Attribute>
          <AttributeName type="TextString" value="Cryptographic Usage Mask"/>
          <AttributeValue type="Integer" value="Decrypt Encrypt"/>
        </Attribute>
        <Attribute>
          <AttributeName type="TextString" value="Cryptographic Algorithm"/>
          <AttributeValue type="Enumeration" value="AES"/>
        </Attribute>
        <Attribute>
          <AttributeName type="TextString" value="x-Custom"/>
          <AttributeValue type="Enumeration" value="0x80000001"/>
        </Attribute>
      </TemplateAttribute>
      <TTLV tag="0x540001" type="Interval" value="3600"/>
      <ActivationDate type="DateTime" value="$NOW-3600"/>
      <Data type="ByteString" value="00ff &amp; "/>
    </RequestPayload>
  </BatchItem>
</RequestMessage>"#;

#[test]
fn reads_names_masks_attribute_values_and_placeholders() {
    let xml = REGISTER.replace(r#"value="00ff &amp; ""#, r#"value="00ff""#);
    let t = template_from_str(&xml).unwrap();
    let payload = t.path(&[Tag::BatchItem, Tag::RequestPayload]).unwrap();
    let attrs: Vec<_> = payload
        .find(Tag::TemplateAttribute)
        .unwrap()
        .children()
        .to_vec();
    let value = |i: usize| attrs[i].find(Tag::AttributeValue).unwrap().value.clone();
    assert_eq!(
        value(0),
        TemplateValue::Value(Value::Integer(
            (enums::cryptographic_usage_mask::Encrypt | enums::cryptographic_usage_mask::Decrypt)
                as i32
        ))
    );
    assert_eq!(
        value(1),
        TemplateValue::Value(Value::Enumeration(enums::cryptographic_algorithm::AES))
    );
    assert_eq!(
        value(2),
        TemplateValue::Value(Value::Enumeration(0x8000_0001))
    );
    let ext = payload.find(Tag::new(0x540001).unwrap()).unwrap();
    assert_eq!(ext.value, TemplateValue::Value(Value::Interval(3600)));
    let ph = t.placeholders();
    assert_eq!(ph.len(), 1);
    assert_eq!(ph[0].0, Tag::ActivationDate);
    assert_eq!(ph[0].1.text, "$NOW-3600");
    assert!(matches!(
        from_str(&xml),
        Err(Error::UnresolvedPlaceholder { .. })
    ));
}

#[test]
fn writes_what_it_reads() {
    let xml = REGISTER.replace(r#"value="00ff &amp; ""#, r#"value="00ff""#);
    let t = template_from_str(&xml).unwrap();
    let written = template_to_string(&t).unwrap();
    assert!(
        written.contains(r#"<AttributeValue type="Integer" value="Encrypt Decrypt"/>"#),
        "{written}"
    );
    assert!(written.contains(r#"<AttributeValue type="Enumeration" value="AES"/>"#));
    assert!(written.contains(r#"<AttributeValue type="Enumeration" value="0x80000001"/>"#));
    assert!(written.contains(r#"<TTLV tag="0x540001" type="Interval" value="3600"/>"#));
    assert!(written.contains(r#"<ActivationDate type="DateTime" value="$NOW-3600"/>"#));
    assert_eq!(template_from_str(&written).unwrap(), t);
}

#[test]
fn escapes_text() {
    let t = Ttlv::structure(Tag::Name, vec![Ttlv::text(Tag::NameValue, "a<b & \"c\"")]);
    let xml = to_string(&t).unwrap();
    assert!(!xml.contains("a<b"));
    assert_eq!(from_str(&xml).unwrap(), t);
}

#[test]
fn rejects_bad_documents() {
    let bad = |xml: &str| from_str(xml).unwrap_err();
    assert!(matches!(bad("<NoSuchTag/>"), Error::UnknownTagName(_)));
    assert!(matches!(
        bad(r#"<BatchCount type="Int" value="1"/>"#),
        Error::UnknownTypeName { .. }
    ));
    assert!(matches!(
        bad(r#"<BatchCount type="Integer" value="x"/>"#),
        Error::InvalidXmlValue { .. }
    ));
    assert!(matches!(
        bad(r#"<BatchCount type="Integer"/>"#),
        Error::InvalidXmlValue { .. }
    ));
    assert!(matches!(
        bad(r#"<Operation type="Enumeration" value="Frobnicate"/>"#),
        Error::InvalidXmlValue { .. }
    ));
    assert!(matches!(
        bad(r#"<Data type="ByteString" value="abc"/>"#),
        Error::InvalidXmlValue { .. }
    ));
    assert!(matches!(
        bad("<Name><NameValue"),
        Error::XmlSyntax { .. } | Error::UnexpectedXml(_)
    ));
    assert!(matches!(bad("<Name>text</Name>"), Error::UnexpectedXml(_)));
    assert!(matches!(
        bad("<Name></Attribute>"),
        Error::XmlSyntax { .. } | Error::UnexpectedXml(_)
    ));
    assert!(matches!(
        bad(r#"<Name bogus="1"/>"#),
        Error::UnexpectedXml(_)
    ));
    assert!(matches!(bad(""), Error::UnexpectedXml(_)));
    assert!(matches!(bad("<Name/><Name/>"), Error::UnexpectedXml(_)));
}

#[test]
fn depth_and_size_are_bounded() {
    let deep = "<Name>".repeat(10_000) + &"</Name>".repeat(10_000);
    assert!(matches!(
        from_str(&deep),
        Err(Error::TooDeep { max: 64, .. })
    ));
    let limits = DecodeLimits {
        max_message_len: 16,
        ..DecodeLimits::default()
    };
    assert!(matches!(
        parse_items(&deep, &limits),
        Err(Error::MessageTooLarge { .. })
    ));
    let limits = DecodeLimits {
        max_items: 3,
        ..DecodeLimits::default()
    };
    let wide = format!(
        "<Name>{}</Name>",
        "<NameValue type=\"TextString\" value=\"\"/>".repeat(5)
    );
    assert!(matches!(
        parse_items(&wide, &limits),
        Err(Error::TooManyItems { max: 3 })
    ));
}

#[test]
fn truncated_documents_are_errors_not_panics() {
    let xml = REGISTER.replace(r#"value="00ff &amp; ""#, r#"value="00ff""#);
    let full = template_from_str(&xml).unwrap();
    let mut errors = 0;
    for cut in (0..xml.len()).filter(|c| xml.is_char_boundary(*c)) {
        match template_from_str(&xml[..cut]) {
            Ok(t) => assert_ne!(t, full, "a strict prefix cannot be the whole message"),
            Err(_) => errors += 1,
        }
    }
    assert!(errors > xml.len() / 2);
}
