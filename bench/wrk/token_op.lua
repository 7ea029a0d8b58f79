-- POST one token-authorized operation, rotating over the access tokens in $TOKENS_FILE (one per line).
-- OP: GetUser, GetUserAuthFactors, or SetUserMFAPreference (alternates SMS MFA on and off).
local op = os.getenv("OP") or "GetUser"
local tokens = {}
for line in io.lines(os.getenv("TOKENS_FILE")) do tokens[#tokens + 1] = line end
local i, flip = 0, false
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-amz-json-1.1"
wrk.headers["X-Amz-Target"] = "AWSCognitoIdentityProviderService." .. op
request = function()
  i = i % #tokens + 1
  local body
  if op == "SetUserMFAPreference" then
    flip = not flip
    body = '{"AccessToken":"' .. tokens[i] .. '","SMSMfaSettings":{"Enabled":' .. tostring(flip) .. ',"PreferredMfa":false}}'
  else
    body = '{"AccessToken":"' .. tokens[i] .. '"}'
  end
  return wrk.format(nil, nil, nil, body)
end
local errors = 0
response = function(status, headers, body)
  if status ~= 200 then errors = errors + 1 end
end
done = function(summary, latency, requests)
  io.write(string.format("non-200 answers: %d\n", summary.errors.status))
end
