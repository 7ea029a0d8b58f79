//! `cognate_wire::enums`, generated from the model by `tools/gen_wire.py`: every enum round-trips
//! through `as_str`/`parse`/`FromStr`/`Display`/serde for every value, the module covers exactly the
//! enum-valued shapes of the constraint tables, and a few names the sign-in code relies on are right.

use std::collections::BTreeMap;

use cognate_wire::enums::*;
use cognate_wire::generated::schema_data::SHAPES;
use cognate_wire::schema::Kind;

/// Every value of `E` round-trips, in model order, and nothing else parses.
fn round_trip<E: WireEnum + serde::Serialize + serde::de::DeserializeOwned>() -> (&'static str, Vec<&'static str>) {
    let shape = E::SHAPE;
    assert!(!E::ALL.is_empty(), "{shape}: no values");
    assert_eq!(E::ALL.len(), E::VALUES.len(), "{shape}: ALL and VALUES differ in length");
    for (i, (&e, &value)) in E::ALL.iter().zip(E::VALUES).enumerate() {
        assert_eq!(e.as_str(), value, "{shape}: ALL[{i}] and VALUES[{i}]");
        assert_eq!(E::parse(value), Some(e), "{shape}: parse({value:?})");
        assert_eq!(value.parse::<E>(), Ok(e), "{shape}: FromStr({value:?})");
        assert_eq!(e.to_string(), value, "{shape}: Display");
        let json = serde_json::to_string(&e).expect("serializes");
        assert_eq!(json, serde_json::to_string(value).expect("a string serializes"), "{shape}: serialized as the wire string");
        assert_eq!(serde_json::from_str::<E>(&json).expect("deserializes"), e, "{shape}: deserialize {json}");
        assert_eq!(
            serde_json::from_value::<E>(serde_json::Value::from(value)).expect("deserializes from a Value"),
            e,
            "{shape}: from a Value"
        );
        // Exact match only: no case folding, no trimming.
        for near in [value.to_lowercase(), value.to_uppercase(), format!(" {value}"), format!("{value} ")] {
            if near != value {
                assert_eq!(E::parse(&near), None, "{shape}: {near:?} must not parse");
            }
        }
    }
    // Ord follows model order.
    assert!(E::ALL.windows(2).all(|w| w[0] < w[1]), "{shape}: ALL is not in declaration order");
    let mut distinct = E::VALUES.to_vec();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct.len(), E::VALUES.len(), "{shape}: duplicate values");

    assert_eq!(E::parse(""), None);
    let err = "NOT_A_VALUE".parse::<E>().expect_err("not a value");
    assert_eq!(err, UnknownValue { shape, value: "NOT_A_VALUE".into() });
    assert_eq!(err.to_string(), format!("'NOT_A_VALUE' is not a value of {shape}"));
    let err = serde_json::from_str::<E>(r#""NOT_A_VALUE""#).expect_err("not a value").to_string();
    assert!(err.starts_with("unknown variant `NOT_A_VALUE`, expected"), "{shape}: {err}");
    assert!(serde_json::from_str::<E>("1").is_err(), "{shape}: a number must not deserialize");
    assert!(serde_json::from_str::<E>("null").is_err(), "{shape}: null must not deserialize");
    (shape, E::VALUES.to_vec())
}

macro_rules! round_trip_all {
    ($($t:ident),* $(,)?) => {
        vec![$(round_trip::<$t>()),*]
    };
}

fn every_enum() -> BTreeMap<&'static str, Vec<&'static str>> {
    round_trip_all!(
        AccountTakeoverEventActionType,
        AdvancedSecurityEnabledModeType,
        AdvancedSecurityModeType,
        AliasAttributeType,
        AssetCategoryType,
        AssetExtensionType,
        AttributeDataType,
        AuthFactorType,
        AuthFlowType,
        ChallengeName,
        ChallengeNameType,
        ChallengeResponse,
        ClientTypeType,
        ColorSchemeModeType,
        CompromisedCredentialsEventActionType,
        CustomEmailSenderLambdaVersionType,
        CustomSMSSenderLambdaVersionType,
        DefaultEmailOptionType,
        DeletionProtectionType,
        DeliveryMediumType,
        DeviceRememberedStatusType,
        DomainStatusType,
        EmailSendingAccountType,
        EncryptionKeyType,
        EventFilterType,
        EventResponseType,
        EventSourceName,
        EventType,
        ExplicitAuthFlowsType,
        FeatureType,
        FeedbackValueType,
        IdentityProviderTypeType,
        InboundFederationLambdaVersionType,
        IssuedTokenTypeIdentifierType,
        IssuerType,
        LimitClass,
        LogLevel,
        MessageActionType,
        OAuthFlowType,
        OAuthTokenTypeType,
        PasswordHashingAlgorithmType,
        PreTokenGenerationLambdaVersionType,
        PreventUserExistenceErrorTypes,
        RecoveryOptionNameType,
        ReplicaRoleType,
        ReplicaStatusType,
        ResourceServerManagedByType,
        RevokeAssociatedSessionsType,
        RiskDecisionType,
        RiskLevelType,
        SecurityPolicyType,
        SessionTypeType,
        StatusType,
        TermsEnforcementType,
        TermsSourceType,
        TimeUnitsType,
        TokenTypeIdentifierType,
        UpdateReplicaStatusType,
        UserImportJobStatusType,
        UserPoolMfaType,
        UserPoolTierType,
        UserSessionTrackingType,
        UserStatusType,
        UserVerificationType,
        UsernameAttributeType,
        VerifiedAttributeType,
        VerifySoftwareTokenResponseType,
        WebAuthnFactorConfigurationType,
    )
    .into_iter()
    .collect()
}

#[test]
fn every_enum_round_trips() {
    assert_eq!(every_enum().len(), 68);
}

/// The module and the constraint tables come from the same model: the same shapes, the same values in
/// the same order. A new enum after a botocore bump fails here until it is added to the list above.
#[test]
fn enums_match_the_constraint_tables() {
    let tables: BTreeMap<&str, Vec<&str>> = SHAPES
        .iter()
        .filter_map(|s| match s.kind {
            Kind::Str { enum_values, .. } if !enum_values.is_empty() => Some((s.name, enum_values.to_vec())),
            _ => None,
        })
        .collect();
    assert_eq!(every_enum(), tables);
}

#[test]
fn known_names() {
    assert_eq!(ChallengeNameType::SmsMfa.as_str(), "SMS_MFA");
    assert_eq!(ChallengeNameType::SelectMfaType.as_str(), "SELECT_MFA_TYPE");
    assert_eq!(ChallengeNameType::NewPasswordRequired.as_str(), "NEW_PASSWORD_REQUIRED");
    assert_eq!(ChallengeNameType::WebAuthn.as_str(), "WEB_AUTHN");
    assert_eq!(ChallengeNameType::PasswordSrp.as_str(), "PASSWORD_SRP");
    assert_eq!(ChallengeNameType::ALL.len(), 16);
    assert_eq!(UserStatusType::ForceChangePassword, "FORCE_CHANGE_PASSWORD");
    assert_eq!("EXTERNAL_PROVIDER", UserStatusType::ExternalProvider);
    assert_eq!(AuthFlowType::parse("REFRESH_TOKEN_AUTH"), Some(AuthFlowType::RefreshTokenAuth));
    assert_eq!(AuthFlowType::parse("REFRESH_TOKEN"), Some(AuthFlowType::RefreshToken));
    assert_eq!(AuthFlowType::AdminNoSrpAuth.as_str(), "ADMIN_NO_SRP_AUTH");
    assert_eq!(AuthFlowType::UserAuth.as_str(), "USER_AUTH");
    assert_eq!(ExplicitAuthFlowsType::AllowUserSrpAuth.as_str(), "ALLOW_USER_SRP_AUTH");
    assert_eq!(ExplicitAuthFlowsType::AdminNoSrpAuth.as_str(), "ADMIN_NO_SRP_AUTH");
    assert_eq!(AuthFactorType::WebAuthn.as_str(), "WEB_AUTHN");
    assert_eq!(DeliveryMediumType::Email.as_str(), "EMAIL");
    assert_eq!(UserPoolMfaType::Optional.as_str(), "OPTIONAL");
    assert_eq!(VerifiedAttributeType::PhoneNumber.as_str(), "phone_number");
    assert_eq!(DeviceRememberedStatusType::NotRemembered.as_str(), "not_remembered");
    // Values that are not SCREAMING_SNAKE_CASE: lower case, camel case, digits.
    assert_eq!(EventSourceName::UserNotification.as_str(), "userNotification");
    assert_eq!(IdentityProviderTypeType::LoginWithAmazon.as_str(), "LoginWithAmazon");
    assert_eq!(AttributeDataType::DateTime.as_str(), "DateTime");
    assert_eq!(OAuthFlowType::ClientCredentials.as_str(), "client_credentials");
    assert_eq!(OAuthTokenTypeType::NA.as_str(), "N_A");
    assert_eq!(PreTokenGenerationLambdaVersionType::V20.as_str(), "V2_0");
    assert_eq!(SecurityPolicyType::TlsV122021.as_str(), "TLS_V1_2_2021");
    assert_eq!(PasswordHashingAlgorithmType::Pbkdf2Sha256.as_str(), "PBKDF2_SHA256");
    assert_eq!(PasswordHashingAlgorithmType::Argon2id.as_str(), "ARGON2ID");
}

#[test]
fn usable_in_const_contexts_and_matches() {
    const SMS: &str = ChallengeNameType::SmsMfa.as_str();
    assert_eq!(SMS, "SMS_MFA");
    let status = String::from("CONFIRMED");
    assert_eq!(status, UserStatusType::Confirmed);
    assert_eq!(UserStatusType::Confirmed, status);
    assert_eq!(*"CONFIRMED", UserStatusType::Confirmed);
    assert_eq!(UserStatusType::Confirmed, *"CONFIRMED");
    assert_ne!(status.as_str(), UserStatusType::Unconfirmed);
    let next = match ChallengeNameType::parse("SOFTWARE_TOKEN_MFA") {
        Some(ChallengeNameType::SmsMfa | ChallengeNameType::SoftwareTokenMfa) => "mfa",
        Some(_) => "other",
        None => "unknown",
    };
    assert_eq!(next, "mfa");
    assert_eq!(format!("[{:>9}]", DeliveryMediumType::Sms), "[      SMS]");
}
